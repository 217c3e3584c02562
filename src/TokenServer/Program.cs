using TokenCenter.Server.Hosting;

if (HealthProbe.IsProbe(args))
{
    return await HealthProbe.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddTokenServer();

var app = builder.Build();
app.MapTokenServer();
await app.RunAsync();
return 0;
