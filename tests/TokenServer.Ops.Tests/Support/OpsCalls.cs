using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>Calls the Ops tests make on a <see cref="TestServerHost"/>: gRPC as a keyed caller, the web faces with an operator key.</summary>
internal static class OpsCalls
{
    public static CallOptions As(string? key, TimeSpan? timeout = null)
    {
        var headers = new Metadata();
        if (key is not null)
        {
            headers.Add("authorization", "Bearer " + key);
        }

        return new CallOptions(headers: headers, deadline: TimeProvider.System.GetUtcNow().UtcDateTime + (timeout ?? TimeSpan.FromSeconds(20)));
    }

    public static GetTokenRequest Get(string appId) => new() { Key = new TokenKey { Kind = TokenKind.AccessToken, AppId = appId } };

    /// <summary>The embedded simulator (Simulator:Enabled).</summary>
    public static WeChatSim Simulator(this TestServerHost server) => server.Services.GetRequiredService<WeChatSim>();

    public static Task<Token> GetTokenAsync(this TestServerHost server, string appId, string key = TestKeys.ForcerKey) =>
        server.Channel.UnaryAsync(TokenCenterMethods.GetToken, Get(appId), As(key));

    /// <summary>Waits (through GetToken's own wait on the first refresh) until the key holds a token.</summary>
    public static async Task WaitForTokenAsync(this TestServerHost server, string appId)
    {
        var key = server.Configuration.GetValue("Auth:Enabled", true) ? TestKeys.ForcerKey : null;
        await server.Channel.UnaryAsync(TokenCenterMethods.GetToken, Get(appId), As(key, TimeSpan.FromSeconds(30)));
    }

    public static async Task<HttpResponseMessage> GetWebAsync(this TestServerHost server, string path, string? key = TestKeys.OperatorKey, Uri? baseAddress = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress ?? server.WebAddress, path));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await server.Web.SendAsync(request);
    }

    public static async Task<string> GetTextAsync(this TestServerHost server, string path, string? key = TestKeys.OperatorKey)
    {
        using var response = await server.GetWebAsync(path, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
