using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WeChatSimulator.Internal;

/// <summary>
/// Configuration of the standalone process, section <c>Simulator</c>: the <see cref="SimulatorOptions"/>
/// properties (e.g. <c>Simulator:DailyQuota</c>, <c>Simulator:TokenLifetime=00:10:00</c>),
/// <c>Simulator:Apps:N:AppId</c> / <c>:Secret</c> / <c>:IsTestAccount</c>, and <c>Simulator:ManualClock=true</c>
/// to run on a <see cref="ManualClock"/> (starting at the current time) moved by <c>POST /_sim/advance</c>.
/// Third-party platforms: <c>Simulator:Components:N:ComponentAppId</c> / <c>:Secret</c> / <c>:Token</c> /
/// <c>:EncodingAesKey</c> / <c>:CallbackUrl</c>; tickets are pushed every <c>Simulator:TicketPushInterval</c> unless
/// <c>Simulator:PushTicketsPeriodically=false</c>.
/// Without configured apps the demo app <see cref="DemoAppId"/> is served.
/// </summary>
internal static class StandaloneConfiguration
{
    public const string DemoAppId = "wx0000000000000001";
    public const string DemoSecret = "demo-secret-0000000000000000000001";

    public static void Apply(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Simulator");
        if (section.GetValue<bool>("ManualClock"))
        {
            builder.Services.TryAddSingleton<TimeProvider>(new ManualClock(TimeProvider.System.GetUtcNow()));
        }

        builder.Services.AddWeChatSimulator(options =>
        {
            options.PushTicketsPeriodically = true;
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = false);
            options.Components.Clear();
            foreach (var component in section.GetSection("Components").GetChildren())
            {
                var callback = component["CallbackUrl"];
                options.Components.Add(new SimulatedComponent(
                    component["ComponentAppId"] ?? string.Empty,
                    component["Secret"] ?? string.Empty,
                    component["Token"] ?? string.Empty,
                    component["EncodingAesKey"] ?? string.Empty,
                    string.IsNullOrEmpty(callback) ? null : new Uri(callback, UriKind.RelativeOrAbsolute)));
            }

            options.Apps.Clear();
            foreach (var app in section.GetSection("Apps").GetChildren())
            {
                options.Apps.Add(new SimulatedApp(app["AppId"] ?? string.Empty, app["Secret"] ?? string.Empty, app.GetValue<bool>("IsTestAccount")));
            }

            if (options.Apps.Count == 0)
            {
                options.Apps.Add(new SimulatedApp(DemoAppId, DemoSecret));
            }
        });
    }
}
