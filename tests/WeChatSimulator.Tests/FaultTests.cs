using System.Diagnostics;

namespace WeChatSimulator.Tests;

public sealed class FaultTests
{
    [Fact]
    public async Task Busy_share_answers_about_that_share_of_token_calls_with_minus_1()
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.Seed = 42;
        sim.Sim.Faults.BusyShare = 0.5;

        var codes = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            codes.Add(SimTestContext.Errcode(await sim.ClassicTokenAsync()));
        }

        var busy = codes.Count(c => c == -1);
        Assert.InRange(busy, 30, 70);
        Assert.Equal(100 - busy, codes.Count(c => c == 0));
        Assert.Equal(100 - busy, sim.Sim.IssuedTokens(SimTestContext.AppId, "token"));
        Assert.Equal(100, sim.Sim.Calls(SimTestContext.AppId, "token"));
    }

    [Fact]
    public async Task Busy_answers_are_reproducible_with_a_seed()
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.BusyShare = 0.3;

        async Task<string> RunAsync()
        {
            sim.Sim.Faults.Seed = 7;
            var codes = new List<int>();
            for (var i = 0; i < 20; i++)
            {
                codes.Add(SimTestContext.Errcode(await sim.StableTokenAsync()));
            }

            return string.Join(",", codes);
        }

        Assert.Equal(await RunAsync(), await RunAsync());
    }

    [Fact]
    public async Task Busy_answer_has_the_system_error_shape()
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.BusyShare = 1;

        var json = await sim.ClassicTokenAsync();

        Assert.Equal(-1, SimTestContext.Errcode(json));
        Assert.StartsWith("system error rid: ", json.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ip_rejection_answers_40164_naming_the_caller_ip()
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.RejectIp = true;

        var classic = await sim.ClassicTokenAsync();
        var stable = await sim.StableTokenAsync();

        Assert.Equal(40164, SimTestContext.Errcode(classic));
        Assert.StartsWith("invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist rid: ", classic.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(40164, SimTestContext.Errcode(stable));
    }

    [Fact]
    public async Task Quota_exhausted_apps_answer_45009_on_both_token_endpoints()
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.QuotaExhaustedApps.Add(SimTestContext.AppId);

        Assert.Equal(45009, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
        Assert.Equal(45009, SimTestContext.Errcode(await sim.StableTokenAsync()));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync(SimTestContext.TestAppId, SimTestContext.TestSecret)));
    }

    [Theory]
    [InlineData(40243)]
    [InlineData(50004)]
    [InlineData(50007)]
    [InlineData(89503)]
    public async Task Per_app_error_codes_can_be_injected(int errcode)
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.AppErrors[SimTestContext.AppId] = errcode;

        var json = await sim.ClassicTokenAsync();

        Assert.Equal(errcode, SimTestContext.Errcode(json));
        Assert.DoesNotContain("unknown error", json.GetProperty("errmsg").GetString(), StringComparison.Ordinal);

        sim.Sim.Faults.AppErrors.TryRemove(SimTestContext.AppId, out _);
        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
    }

    [Fact]
    public async Task Latency_delays_answers_in_real_time()
    {
        await using var sim = await SimTestContext.StartAsync();
        sim.Sim.Faults.Latency = TimeSpan.FromMilliseconds(200);

        var watch = Stopwatch.StartNew();
        await sim.ClassicTokenAsync();

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task Faults_can_be_set_over_http()
    {
        await using var sim = await SimTestContext.StartAsync();

        var faults = await sim.PostJsonAsync("_sim/faults", """{"reject_ip":true,"busy_share":0.25,"seed":3,"latency_ms":5,"quota_exhausted_apps":["wx00000000000000b2"],"app_errors":{"wx0000000000000abc":50007}}""");

        Assert.True(sim.Sim.Faults.RejectIp);
        Assert.Equal(0.25, sim.Sim.Faults.BusyShare);
        Assert.Equal(3, sim.Sim.Faults.Seed);
        Assert.Equal(TimeSpan.FromMilliseconds(5), sim.Sim.Faults.Latency);
        Assert.Contains(SimTestContext.TestAppId, sim.Sim.Faults.QuotaExhaustedApps);
        Assert.Equal(50007, sim.Sim.Faults.AppErrors["wx0000000000000abc"]);
        Assert.True(faults.GetProperty("reject_ip").GetBoolean());

        await sim.PostJsonAsync("_sim/faults/clear", "{}");
        Assert.False(sim.Sim.Faults.RejectIp);
        Assert.Empty(sim.Sim.Faults.QuotaExhaustedApps);
    }
}
