using TokenCenter.Client;
using TokenCenter.Protocol;
using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed class StreamLossTests
{
    [Fact]
    public async Task The_client_reconnects_when_the_server_comes_back_and_keeps_serving_valid_tokens()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        var before = await client.Client.GetAccessTokenAsync(Center.AppId);
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream is live");

        await center.StopServerAsync();
        await Eventually.TrueAsync(() => !client.IsPushLive, "the client noticed the stream loss");
        var whileDown = await client.Client.GetAccessTokenAsync(Center.AppId);

        await center.RestartServerAsync();
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream is live again", eachRound: () => center.Clock.Advance(TimeSpan.FromMilliseconds(100)));
        var after = await client.Client.GetAccessTokenAsync(Center.AppId);

        Assert.Equal(before, whileDown); // served from the cache while no server answered
        Assert.NotNull(center.Sim.Sim.ValidateAccessToken(after, out var errcode));
        Assert.Equal(0, errcode);
    }

    [Fact]
    public async Task A_token_past_its_expiry_is_never_returned()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient(o => o.ExpirySafetyMargin = TimeSpan.FromSeconds(30));
        var token = await client.Client.GetTokenAsync(TokenKey.AccessToken(Center.AppId));
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream is live");
        await center.StopServerAsync();
        await Eventually.TrueAsync(() => !client.IsPushLive, "the client noticed the stream loss");

        // Inside the safety margin: still valid at WeChat, but no longer served.
        center.Clock.Advance(token.ExpiresAt - center.Clock.GetUtcNow() - TimeSpan.FromSeconds(10));
        var inMargin = await Assert.ThrowsAsync<TokenCenterException>(() => client.Client.GetAccessTokenAsync(Center.AppId).AsTask());
        center.Clock.Advance(TimeSpan.FromMinutes(1));
        var expired = await Assert.ThrowsAsync<TokenCenterException>(() => client.Client.GetAccessTokenAsync(Center.AppId).AsTask());

        Assert.Equal(StatusCode.Unavailable, inMargin.StatusCode);
        Assert.Equal(StatusCode.Unavailable, expired.StatusCode);
    }
}
