using BusinessService;

var builder = Host.CreateApplicationBuilder(args);
builder.AddWeChatApi();

using var host = builder.Build();
await host.StartAsync();
var exitCode = await host.Services.GetRequiredService<DomainIpReport>().RunAsync(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
await host.StopAsync();
return exitCode;
