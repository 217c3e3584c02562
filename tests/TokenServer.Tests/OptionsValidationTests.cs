using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenServer.Tests.Support;

namespace TokenServer.Tests;

public sealed class OptionsValidationTests
{
    private static string Failure(Action<Dictionary<string, string?>> configure)
    {
        using var harness = new HarnessScope(configure);
        var ex = Assert.Throws<OptionsValidationException>(() => harness.Value);
        return string.Join("\n", ex.Failures);
    }

    [Fact]
    public void A_missing_secret_is_reported_with_its_key()
    {
        var message = Failure(s =>
        {
            s["TokenCenter:Apps:1:AppId"] = EngineHarness.AppB;
        });
        Assert.Contains("TokenCenter:Apps:1:Secret is required", message);
    }

    [Fact]
    public void A_duplicate_app_id_is_reported_with_both_keys()
    {
        var message = Failure(s =>
        {
            s["TokenCenter:Apps:1:AppId"] = EngineHarness.AppA;
            s["TokenCenter:Apps:1:Secret"] = "x";
        });
        Assert.Contains("TokenCenter:Apps:1:AppId 'wx00000000000000a1' duplicates TokenCenter:Apps:0:AppId", message);
    }

    [Fact]
    public void A_malformed_app_id_is_reported_with_the_expected_shape()
    {
        var message = Failure(s => s["TokenCenter:Apps:0:AppId"] = "wxABC");
        Assert.Contains("TokenCenter:Apps:0:AppId 'wxABC' is malformed: expected 'wx' followed by 16 lowercase hexadecimal characters", message);
    }

    [Fact]
    public void An_unknown_grant_is_reported()
    {
        var message = Failure(s => s["TokenCenter:Apps:0:Grant"] = "Turbo");
        Assert.Contains("TokenCenter:Apps:0:Grant 'Turbo' is unknown: expected Stable or Classic", message);
    }

    [Fact]
    public void Bad_durations_are_reported_with_their_keys()
    {
        var message = Failure(s =>
        {
            s["TokenCenter:Refresh:Ahead"] = "-00:01:00";
            s["TokenCenter:Refresh:StableAhead"] = "00:04:30";
            s["TokenCenter:Upstream:Timeout"] = "00:00:00";
            s["TokenCenter:Upstream:MaxRetries"] = "50";
        });
        Assert.Contains("TokenCenter:Refresh:Ahead must be a positive duration", message);
        Assert.Contains("TokenCenter:Refresh:StableAhead plus TokenCenter:Refresh:StableJitter must be under 5 minutes", message);
        Assert.Contains("TokenCenter:Upstream:Timeout must be a positive duration", message);
        Assert.Contains("TokenCenter:Upstream:MaxRetries must be between 0 and 10", message);
    }

    [Fact]
    public void A_lock_lease_that_cannot_cover_an_upstream_attempt_or_a_wait_shorter_than_the_lease_is_reported()
    {
        var message = Failure(s =>
        {
            s["TokenCenter:Upstream:Timeout"] = "00:00:05";
            s["TokenCenter:Refresh:LockLease"] = "00:00:08";
            s["TokenCenter:Refresh:LockWait"] = "00:00:06";
        });
        Assert.Contains("TokenCenter:Refresh:LockLease must be at least twice TokenCenter:Upstream:Timeout", message);
        Assert.Contains("TokenCenter:Refresh:LockWait must be at least TokenCenter:Refresh:LockLease", message);
    }

    [Fact]
    public void Secrets_never_appear_in_validation_messages_or_ToString()
    {
        var message = Failure(s =>
        {
            s["TokenCenter:Apps:0:SecretFile"] = "/nonexistent/secret";
            s["TokenCenter:Apps:0:Grant"] = "bogus";
        });
        Assert.DoesNotContain(EngineHarness.SecretA, message);
        Assert.Contains("TokenCenter:Apps:0:Secret and TokenCenter:Apps:0:SecretFile are both set", message);
        var app = new AppOptions { AppId = EngineHarness.AppA, Secret = EngineHarness.SecretA };
        Assert.DoesNotContain(EngineHarness.SecretA, app.ToString());
    }

    [Fact]
    public async Task A_secret_file_supplies_the_secret()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "  from-file-secret\n");
            await using var harness = EngineHarness.Create(configure: s =>
            {
                s.Remove("TokenCenter:Apps:0:Secret");
                s["TokenCenter:Apps:0:SecretFile"] = path;
            });
            await harness.Engine.GetAsync(EngineHarness.KeyA, CancellationToken.None);
            var catalog = harness.Services.GetService(typeof(TokenCenter.Server.Engine.AppCatalog)) as TokenCenter.Server.Engine.AppCatalog;
            Assert.Equal("from-file-secret", catalog!.Find(EngineHarness.AppA)!.Secret);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Defaults_are_valid_and_documented_values()
    {
        using var harness = new HarnessScope(_ => { });
        var options = harness.Value;
        Assert.Equal(TimeSpan.FromMinutes(10), options.Refresh.Ahead);
        Assert.Equal(TimeSpan.FromSeconds(35), options.Refresh.ForcedMinInterval);
        Assert.Equal(15, options.Refresh.ForcedDailyBudget);
        Assert.Equal(new Uri("https://api.weixin.qq.com"), options.Upstream.BaseUrl);
    }

    private sealed class HarnessScope(Action<Dictionary<string, string?>> configure) : IDisposable
    {
        private readonly EngineHarness _harness = EngineHarness.Create(configure: configure);

        public TokenCenterOptions Value => ((IOptions<TokenCenterOptions>)_harness.Services.GetService(typeof(IOptions<TokenCenterOptions>))!).Value;

        public void Dispose() => _harness.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
