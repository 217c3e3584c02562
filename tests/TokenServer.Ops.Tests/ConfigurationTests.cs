using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>Malformed configuration stops the server at start with a message naming the key.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Auth:Keys:0:Sha256", "abc", "Auth:Keys:0:Sha256")]
    [InlineData("Auth:Keys:1:Name", "", "Auth:Keys:1:Name")]
    [InlineData("Auth:Keys:0:Apps:0", "not-an-app", "Auth:Keys:0:Apps:0")]
    [InlineData("Limits:RpcPermitLimit", "0", "Limits:RpcPermitLimit")]
    [InlineData("Limits:ForceRefreshWindow", "-00:00:01", "Limits:ForceRefreshWindow")]
    [InlineData("Listeners:Admin", "http://0.0.0.0:5002", "Listeners:Admin")]
    [InlineData("Otlp:Endpoint", "not a url", "Otlp:Endpoint")]
    [InlineData("Shutdown:Timeout", "-00:00:05", "Shutdown:Timeout")]
    [InlineData("TokenCenter:Apps:0:AppId", "wxBAD", "TokenCenter:Apps:0:AppId")]
    public async Task A_bad_value_fails_the_start_naming_its_key(string key, string value, string expected)
    {
        var settings = TestKeys.Standard();
        settings[key] = value;
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => OpsServerDefaults.StartAsync(settings, waitReady: false));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        foreach (var secret in TestKeys.Secrets)
        {
            Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Outside_Development_a_server_without_any_app_or_component_fails_the_start_naming_what_is_missing()
    {
        var settings = new Dictionary<string, string?> { ["Auth:Enabled"] = "false" };

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => OpsServerDefaults.StartAsync(settings, waitReady: false));

        Assert.Contains("TokenCenter:Apps", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TokenCenter:Components", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Otlp_export_starts_when_an_endpoint_is_configured()
    {
        var settings = TestKeys.Standard();
        settings["Otlp:Endpoint"] = "http://127.0.0.1:9"; // nothing listens: export failures are the SDK's business
        await using var server = await OpsServerDefaults.StartAsync(settings);
        Assert.NotNull(server.App.Services.GetService(typeof(OpenTelemetry.Metrics.MeterProvider)));
    }
}
