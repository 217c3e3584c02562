using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace WeChatSimulator.Tests;

public sealed class HostingTests
{
    [Fact]
    public void AddWeChatSimulator_uses_the_TimeProvider_registered_in_DI()
    {
        var clock = new ManualClock();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddWeChatSimulator(o => o.Apps.Add(new SimulatedApp(SimTestContext.AppId, SimTestContext.Secret)));
        using var provider = services.BuildServiceProvider();

        var sim = provider.GetRequiredService<WeChatSim>();

        Assert.Same(clock, sim.Time);
        Assert.Single(sim.Apps);
    }

    [Fact]
    public void AddWeChatSimulator_registers_the_push_driver_and_components_from_options()
    {
        var services = new ServiceCollection();
        services.AddWeChatSimulator(o => o.Components.Add(ComponentFlow.Component()));
        using var provider = services.BuildServiceProvider();

        var driver = provider.GetRequiredService<SimulatorPushDriver>();

        Assert.False(driver.IsRunning);
        Assert.Equal(ComponentFlow.ComponentAppId, Assert.Single(provider.GetRequiredService<WeChatSim>().Components).ComponentAppId);
    }

    [Fact]
    public void AddWeChatSimulator_defaults_to_the_system_clock()
    {
        var services = new ServiceCollection();
        services.AddWeChatSimulator();
        using var provider = services.BuildServiceProvider();

        Assert.Same(TimeProvider.System, provider.GetRequiredService<WeChatSim>().Time);
    }

    [Fact]
    public void AddWeChatSimulator_rejects_invalid_options_with_the_key_name()
    {
        var services = new ServiceCollection();
        services.AddWeChatSimulator(o => o.DailyQuota = -1);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SimulatorOptions>>().Value);

        Assert.Contains("Simulator:DailyQuota", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_listens_on_loopback_and_the_clock_can_be_advanced_over_http()
    {
        await using var sim = await SimTestContext.StartAsync();
        var token = await sim.NewClassicTokenAsync();

        var time = await sim.PostJsonAsync("_sim/advance?seconds=7200", "{}");

        Assert.Equal("127.0.0.1", sim.Host.BaseAddress.Host);
        Assert.True(time.GetProperty("manual").GetBoolean());
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero), time.GetProperty("now").GetDateTimeOffset());
        Assert.Equal(42001, await sim.BusinessApiErrcodeAsync(token));
    }

    [Fact]
    public async Task Apps_can_be_added_at_run_time()
    {
        await using var sim = await SimTestContext.StartAsync();

        await sim.PostJsonAsync("_sim/apps", """{"appid":"wx00000000000000c3","secret":"s3"}""");
        sim.Sim.AddApp(new SimulatedApp("wx00000000000000d4", "s4"));

        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync("wx00000000000000c3", "s3")));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync("wx00000000000000d4", "s4")));
    }

    [Fact]
    public async Task Endpoints_can_be_mapped_under_a_prefix()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddWeChatSimulator(o => o.Apps.Add(new SimulatedApp(SimTestContext.AppId, SimTestContext.Secret)));
        await using var app = builder.Build();
        app.MapWeChatSimulator("/wechat");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var body = await http.GetStringAsync(new Uri($"/wechat/cgi-bin/token?grant_type=client_credential&appid={SimTestContext.AppId}&secret={SimTestContext.Secret}", UriKind.Relative));

        Assert.Contains("\"expires_in\":7200", body, StringComparison.Ordinal);
        await app.StopAsync();
    }
}
