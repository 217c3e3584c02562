using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed class HotPathTests
{
    [Fact]
    public async Task A_million_cached_reads_make_no_network_call_and_allocate_nothing()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        var first = await client.Client.GetAccessTokenAsync(CenterServer.AppId);
        await Eventually.HoldsAsync(() => client.IsPushLive, "the push stream is live");
        var getTokenCalls = center.Server.CallsTo("GetToken");

        var misses = CachedReads(client.Client, first, 1_000_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var missesMeasured = CachedReads(client.Client, first, 100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, misses + missesMeasured);
        Assert.Equal(0, allocated);
        Assert.Equal(getTokenCalls, center.Server.CallsTo("GetToken"));
        Assert.Equal(1, getTokenCalls);
    }

    /// <summary>Reads <paramref name="count"/> times; returns how many reads were not a completed read of <paramref name="expected"/>.</summary>
    private static int CachedReads(TokenCenter.Client.ITokenCenterClient client, string expected, int count)
    {
        var misses = 0;
        for (var i = 0; i < count; i++)
        {
            var read = client.GetAccessTokenAsync(CenterServer.AppId);
            if (!read.IsCompletedSuccessfully || !ReferenceEquals(read.Result, expected))
            {
                misses++;
            }
        }

        return misses;
    }

    [Fact]
    public async Task The_api_key_travels_as_bearer_metadata()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient(o => o.ApiKey = "test-api-key");

        await client.Client.GetAccessTokenAsync(CenterServer.AppId);

        Assert.Contains("Bearer test-api-key", center.Server.Authorizations);
    }
}
