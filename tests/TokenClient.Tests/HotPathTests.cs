using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed class HotPathTests
{
    [Fact]
    public async Task A_million_cached_reads_make_no_network_call_and_allocate_nothing()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        var first = await client.Client.GetAccessTokenAsync(Center.AppId);
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream is live");
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

    [Fact]
    public async Task The_hot_path_stops_serving_a_cached_token_at_its_serve_until_time_even_while_push_is_live()
    {
        await using var center = await Center.StartAsync();
        // A margin that leaves one minute of cache life: the server's proactive refresh is far away.
        await using var client = center.CreateClient(o => o.ExpirySafetyMargin = TimeSpan.FromMinutes(29));
        var token = await client.Client.GetTokenAsync(TokenCenter.Client.TokenKey.AccessToken(Center.AppId));
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream is live");
        var serveUntil = token.ExpiresAt - TimeSpan.FromMinutes(29);
        var calls = center.Server.CallsTo("GetToken");

        center.Clock.Advance(serveUntil - center.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Equal(0, CachedReads(client.Client, token.Value, 1_000));
        Assert.Equal(calls, center.Server.CallsTo("GetToken"));

        center.Clock.Advance(TimeSpan.FromSeconds(2));
        var read = client.Client.GetAccessTokenAsync(Center.AppId);

        Assert.False(read.IsCompletedSuccessfully && center.Server.CallsTo("GetToken") == calls, "a read past serve-until must not be a cached memory read");
        await read;
        Assert.True(center.Server.CallsTo("GetToken") > calls, "the read went to the server");
    }

    /// <summary>Reads <paramref name="count"/> times; returns how many reads were not a completed read of <paramref name="expected"/>.</summary>
    private static int CachedReads(TokenCenter.Client.ITokenCenterClient client, string expected, int count)
    {
        var misses = 0;
        for (var i = 0; i < count; i++)
        {
            var read = client.GetAccessTokenAsync(Center.AppId);
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

        await client.Client.GetAccessTokenAsync(Center.AppId);

        Assert.Contains("Bearer test-api-key", center.Server.Authorizations());
    }
}
