using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace WeChatSimulator.Tests;

/// <summary>A simulator on real loopback HTTP with a <see cref="ManualClock"/>, plus helpers speaking WeChat's protocol.</summary>
internal sealed class SimTestContext : IAsyncDisposable
{
    public const string AppId = "wx00000000000000a1";
    public const string Secret = "secret-a1-0000000000000000000000";
    public const string TestAppId = "wx00000000000000b2";
    public const string TestSecret = "secret-b2-0000000000000000000000";

    private SimTestContext(SimulatorHost host, ManualClock clock)
    {
        Host = host;
        Clock = clock;
        Http = new HttpClient { BaseAddress = host.BaseAddress };
    }

    public SimulatorHost Host { get; }

    public ManualClock Clock { get; }

    public HttpClient Http { get; }

    public WeChatSim Sim => Host.Sim;

    public static async Task<SimTestContext> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions();
        options.Apps.Add(new SimulatedApp(AppId, Secret));
        options.Apps.Add(new SimulatedApp(TestAppId, TestSecret, IsTestAccount: true));
        configure?.Invoke(options);
        var clock = new ManualClock();
        return new SimTestContext(await SimulatorHost.StartAsync(options, clock), clock);
    }

    public async Task<JsonElement> GetJsonAsync(string relativeUri)
    {
        using var response = await Http.GetAsync(new Uri(relativeUri, UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public Task<JsonElement> ClassicTokenAsync(string appId = AppId, string secret = Secret) =>
        GetJsonAsync($"cgi-bin/token?grant_type=client_credential&appid={appId}&secret={secret}");

    public async Task<string> NewClassicTokenAsync()
    {
        var json = await ClassicTokenAsync();
        return json.GetProperty("access_token").GetString()!;
    }

    public async Task<JsonElement> StableTokenAsync(bool forceRefresh = false, string appId = AppId, string secret = Secret)
    {
        var body = JsonSerializer.Serialize(new { grant_type = "client_credential", appid = appId, secret, force_refresh = forceRefresh });
        return await PostJsonAsync("cgi-bin/stable_token", body);
    }

    public async Task<JsonElement> PostJsonAsync(string relativeUri, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(relativeUri, UriKind.Relative), content);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>0 when get_api_domain_ip accepts the token, else WeChat's errcode.</summary>
    public async Task<int> BusinessApiErrcodeAsync(string token)
    {
        var json = await GetJsonAsync($"cgi-bin/get_api_domain_ip?access_token={Uri.EscapeDataString(token)}");
        if (json.TryGetProperty("ip_list", out var list))
        {
            Assert.True(list.GetArrayLength() > 0);
            return 0;
        }

        return Errcode(json);
    }

    public static int Errcode(JsonElement json) => json.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;

    public static string Token(JsonElement json)
    {
        Assert.True(json.TryGetProperty("access_token", out var token), $"expected a token, got {json}");
        return token.GetString()!;
    }

    public static int ExpiresIn(JsonElement json) => json.GetProperty("expires_in").GetInt32();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
