using TokenCenter.Client;
using TokenCenter.Protocol;
using TokenCenter.V1;
using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed class PushTests
{
    [Fact]
    public async Task A_refresh_on_the_server_reaches_the_client_without_the_client_asking()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        var old = await client.Client.GetAccessTokenAsync(Center.AppId);
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream is live");
        var getTokenCalls = center.Server.CallsTo("GetToken");

        // Another business server reports the token rejected.
        using var other = GrpcChannel.ForAddress(center.Server.GrpcAddress);
        var fresh = await other.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest
        {
            Key = new TokenCenter.V1.TokenKey { Kind = TokenCenter.V1.TokenKind.AccessToken, AppId = Center.AppId },
            StaleValue = old,
        });

        Assert.NotEqual(old, fresh.Value);
        await Eventually.TrueAsync(
            () => client.Client.GetAccessTokenAsync(Center.AppId) is { IsCompletedSuccessfully: true } read && read.Result == fresh.Value,
            "the pushed token is served from memory");
        Assert.Equal(getTokenCalls, center.Server.CallsTo("GetToken"));
    }

    [Fact]
    public async Task WatchAsync_yields_the_current_token_then_each_newer_version()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        var key = TokenCenter.Client.TokenKey.AccessToken(Center.AppId);
        using var cts = new CancellationTokenSource(Eventually.Bound);
        await using var watch = client.Client.WatchAsync(key, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await watch.MoveNextAsync());
        var first = watch.Current;
        var refreshed = await client.Client.ForceRefreshAsync(key, first.Value);
        Assert.True(await watch.MoveNextAsync());

        Assert.Equal(refreshed.Value, watch.Current.Value);
        Assert.True(watch.Current.Version > first.Version);
        Assert.DoesNotContain(first.Value, first.ToString(), StringComparison.Ordinal);
    }
}
