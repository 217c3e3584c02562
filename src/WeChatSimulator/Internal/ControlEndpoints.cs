using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeChatSimulator.Internal;

/// <summary>
/// <c>/_sim/</c> endpoints that let non-.NET tests drive the simulator (all JSON, snake_case):
/// <list type="bullet">
/// <item><c>GET /_sim/counters</c> → <c>{"counters":[{"appid","endpoint","calls","issued"}]}</c>; <c>POST /_sim/counters/reset</c>.</item>
/// <item><c>GET /_sim/faults</c>; <c>POST /_sim/faults</c> with any of <c>latency_ms, busy_share, seed, reject_ip,
/// quota_exhausted_apps (array, replaces), app_errors (object appid→errcode, replaces),
/// component_errors (object component appid→errcode, replaces)</c>; <c>POST /_sim/faults/clear</c>.</item>
/// <item><c>GET /_sim/time</c>; <c>POST /_sim/advance?seconds=N</c> (only when the clock is a <see cref="ManualClock"/>, else 409).</item>
/// <item><c>GET /_sim/apps</c> (ids only); <c>POST /_sim/apps</c> with <c>{appid, secret, is_test_account?}</c>.</item>
/// </list>
/// </summary>
internal static class ControlEndpoints
{
    public static Task GetCountersAsync(HttpContext context)
    {
        var sim = Sim(context);
        var snapshot = sim.CounterSnapshot();
        return WeChatJson.WriteAsync(context, w =>
        {
            w.WriteStartArray("counters");
            foreach (var (appId, endpoint, calls, issued) in snapshot)
            {
                w.WriteStartObject();
                w.WriteString("appid", appId);
                w.WriteString("endpoint", endpoint);
                w.WriteNumber("calls", calls);
                w.WriteNumber("issued", issued);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    public static Task ResetCountersAsync(HttpContext context)
    {
        Sim(context).ResetCounters();
        SimulatorLog.CountersReset(Logger(context));
        return Ok(context);
    }

    public static Task GetFaultsAsync(HttpContext context)
    {
        var faults = Sim(context).Faults;
        return WeChatJson.WriteAsync(context, w =>
        {
            w.WriteNumber("latency_ms", faults.Latency.TotalMilliseconds);
            w.WriteNumber("busy_share", faults.BusyShare);
            if (faults.Seed is { } seed)
            {
                w.WriteNumber("seed", seed);
            }
            else
            {
                w.WriteNull("seed");
            }

            w.WriteBoolean("reject_ip", faults.RejectIp);
            w.WriteStartArray("quota_exhausted_apps");
            foreach (var app in faults.QuotaExhaustedSnapshot())
            {
                w.WriteStringValue(app);
            }

            w.WriteEndArray();
            w.WriteStartObject("app_errors");
            foreach (var (app, code) in faults.AppErrors)
            {
                w.WriteNumber(app, code);
            }

            w.WriteEndObject();
            w.WriteStartObject("component_errors");
            foreach (var (component, code) in faults.ComponentErrors)
            {
                w.WriteNumber(component, code);
            }

            w.WriteEndObject();
        });
    }

    public static async Task SetFaultsAsync(HttpContext context)
    {
        var faults = Sim(context).Faults;
        using var body = await ReadObjectAsync(context);
        if (body is null)
        {
            await BadRequest(context, "expected a JSON object");
            return;
        }

        try
        {
            FaultsJson.Apply(faults, body.RootElement);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            await BadRequest(context, e.Message);
            return;
        }

        SimulatorLog.FaultsChanged(Logger(context), faults.Latency, faults.BusyShare, faults.RejectIp, faults.QuotaExhaustedSnapshot().Length, faults.AppErrors.Count);
        await GetFaultsAsync(context);
    }

    public static Task ClearFaultsAsync(HttpContext context)
    {
        var faults = Sim(context).Faults;
        faults.Clear();
        SimulatorLog.FaultsChanged(Logger(context), faults.Latency, faults.BusyShare, faults.RejectIp, 0, 0);
        return Ok(context);
    }

    public static Task GetTimeAsync(HttpContext context)
    {
        var sim = Sim(context);
        return WriteTime(context, sim);
    }

    public static Task AdvanceAsync(HttpContext context)
    {
        var sim = Sim(context);
        if (sim.Time is not ManualClock clock)
        {
            return WeChatJson.WriteAsync(context, w => w.WriteString("error", "the simulator's clock is not a ManualClock"), StatusCodes.Status409Conflict);
        }

        if (!double.TryParse(context.Request.Query["seconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
        {
            return BadRequest(context, "seconds must be a non-negative number");
        }

        var delta = TimeSpan.FromSeconds(seconds);
        clock.Advance(delta);
        SimulatorLog.ClockAdvanced(Logger(context), delta, clock.GetUtcNow());
        return WriteTime(context, sim);
    }

    public static Task GetAppsAsync(HttpContext context)
    {
        var apps = Sim(context).Apps;
        return WeChatJson.WriteAsync(context, w =>
        {
            w.WriteStartArray("apps");
            foreach (var app in apps)
            {
                w.WriteStartObject();
                w.WriteString("appid", app.AppId);
                w.WriteBoolean("is_test_account", app.IsTestAccount);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    public static async Task AddAppAsync(HttpContext context)
    {
        using var body = await ReadObjectAsync(context);
        var root = body?.RootElement;
        var appId = root?.TryGetProperty("appid", out var a) == true && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var secret = root?.TryGetProperty("secret", out var s) == true && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (string.IsNullOrEmpty(appId) || string.IsNullOrEmpty(secret))
        {
            await BadRequest(context, "expected {\"appid\":\"...\",\"secret\":\"...\"}");
            return;
        }

        var isTest = root!.Value.TryGetProperty("is_test_account", out var t) && t.ValueKind == JsonValueKind.True;
        Sim(context).AddApp(new SimulatedApp(appId, secret, isTest));
        SimulatorLog.AppAdded(Logger(context), appId, isTest);
        await Ok(context);
    }

    internal static WeChatSim Sim(HttpContext context) => context.RequestServices.GetRequiredService<WeChatSim>();

    internal static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(SimulatorLog.Category);

    private static Task WriteTime(HttpContext context, WeChatSim sim) =>
        WeChatJson.WriteAsync(context, w =>
        {
            w.WriteString("now", sim.Time.GetUtcNow());
            w.WriteBoolean("manual", sim.Time is ManualClock);
        });

    internal static Task Ok(HttpContext context) => WeChatJson.WriteAsync(context, w => w.WriteBoolean("ok", true));

    internal static Task BadRequest(HttpContext context, string error) =>
        WeChatJson.WriteAsync(context, w => w.WriteString("error", error), StatusCodes.Status400BadRequest);

    internal static async Task<JsonDocument?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
