using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Ops.Tests.Support;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>gRPC health Watch (Grpc.AspNetCore.HealthChecks) follows readiness as it changes.</summary>
public sealed class HealthWatchTests
{
    [Fact]
    public async Task Watch_follows_readiness_to_SERVING_and_the_publisher_runs_every_second_from_the_start()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard(), waitReady: false);

        // The publisher Watch answers from: no start delay, a period of at most a second (default 5 s / 30 s).
        var publisher = server.App.Services.GetRequiredService<IOptions<HealthCheckPublisherOptions>>().Value;
        Assert.Equal(TimeSpan.Zero, publisher.Delay);
        Assert.True(publisher.Period <= TimeSpan.FromSeconds(1), $"period {publisher.Period}");

        using var watch = server.Channel.ServerStreaming(HealthMethods.Watch, new Grpc.Health.V1.HealthCheckRequest(), OpsCalls.As(null, TimeSpan.FromSeconds(60)));
        var seen = new List<ServingStatus>();
        await foreach (var reply in watch.ReadAllAsync())
        {
            seen.Add(reply.Status);
            if (reply.Status == ServingStatus.Serving)
            {
                break;
            }
        }

        Assert.Equal(ServingStatus.Serving, seen[^1]);
        using var ready = await server.GetWebAsync("readyz", key: null);
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);

        using var unknown = server.Channel.ServerStreaming(HealthMethods.Watch, new Grpc.Health.V1.HealthCheckRequest { Service = "no.such.Service" }, OpsCalls.As(null, TimeSpan.FromSeconds(30)));
        await using var first = unknown.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        Assert.Equal(ServingStatus.ServiceUnknown, first.Current.Status);
    }
}
