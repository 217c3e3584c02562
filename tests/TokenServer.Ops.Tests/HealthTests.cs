using System.Net;
using System.Text.Json;
using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

public sealed class HealthTests(StandardServerFixture fixture) : IClassFixture<StandardServerFixture>
{
    [Fact]
    public async Task Readyz_names_the_key_without_a_token_and_the_upstream_error()
    {
        using var response = await fixture.Server.GetWebAsync("/readyz", key: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.Equal("Healthy", checks["store"].GetProperty("status").GetString());
        var tokens = checks["tokens"];
        Assert.Equal("Unhealthy", tokens.GetProperty("status").GetString());
        var description = tokens.GetProperty("description").GetString()!;
        Assert.Contains($"access_token::{TestKeys.BadApp}", description, StringComparison.Ordinal);
        Assert.Contains("40125", description, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.App, description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_is_live_even_when_not_ready()
    {
        using var response = await fixture.Server.GetWebAsync("/healthz", key: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_is_ready_when_every_key_holds_a_token_and_the_store_answers()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard());
        await server.WaitForTokenAsync(TestKeys.OtherApp);
        using var response = await server.GetWebAsync("/readyz", key: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await server.Channel.UnaryAsync(HealthMethods.Check, new global::Grpc.Health.V1.HealthCheckRequest(), OpsCalls.As(null));
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }
}
