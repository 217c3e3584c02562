using System.Collections.Concurrent;
using System.Net;
using System.Text;
using TokenCenter.Server.Upstream;

namespace TokenServer.Tests.Support;

/// <summary>What one scripted attempt does instead of answering normally.</summary>
public enum WeChatFault
{
    /// <summary>HTTP 200 with errcode -1 (system busy).</summary>
    Busy,

    /// <summary>HTTP 503.</summary>
    Http503,

    /// <summary>No answer until the attempt is cancelled (its timeout).</summary>
    Hang,

    /// <summary>The connection fails (<see cref="HttpRequestException"/>).</summary>
    TransportError,
}

/// <summary>Theory data: every <see cref="WeChatFault"/>.</summary>
public static class WeChatFaults
{
    public static TheoryData<WeChatFault> All => [.. Enum.GetValues<WeChatFault>()];
}

/// <summary>
/// Hand-written fake of WeChat at the HTTP boundary: the primary handler of the WeChat HTTP client. Each endpoint (the
/// path's last segment) answers a fresh value per call ("component_access_token-3", …); scripted faults or errcodes
/// are answered first, one per attempt, in order. Records every attempt per endpoint.
/// </summary>
internal sealed class ScriptedWeChat : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<CancellationToken, Task<HttpResponseMessage>>>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _issued;

    /// <summary>Every value this fake issued (tokens, tickets, refresh tokens, codes), for secrecy checks.</summary>
    public ConcurrentBag<string> Issued { get; } = [];

    /// <summary>HTTP attempts that reached WeChat for <paramref name="endpoint"/>.</summary>
    public int Attempts(string endpoint) => _attempts.GetValueOrDefault(endpoint);

    /// <summary>The next attempts of <paramref name="endpoint"/> fail with <paramref name="faults"/>, one each.</summary>
    public ScriptedWeChat Fail(string endpoint, params WeChatFault[] faults)
    {
        foreach (var fault in faults)
        {
            Script(endpoint).Enqueue(fault switch
            {
                WeChatFault.Busy => _ => Task.FromResult(Json("""{"errcode":-1,"errmsg":"system error rid: 0000"}""")),
                WeChatFault.Http503 => _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)),
                WeChatFault.Hang => async ct =>
                {
                    await Task.Delay(Timeout.Infinite, ct);
                    throw new InvalidOperationException("unreachable");
                },
                _ => _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused"),
            });
        }

        return this;
    }

    /// <summary>The next <paramref name="times"/> attempts of <paramref name="endpoint"/> answer <paramref name="errCode"/>.</summary>
    public ScriptedWeChat Answer(string endpoint, int errCode, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            Script(endpoint).Enqueue(_ => Task.FromResult(Json($$"""{"errcode":{{errCode}},"errmsg":"scripted {{errCode}}"}""")));
        }

        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = WeChatRequest.EndpointOf(request.RequestUri);
        _attempts.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
        if (request.Content is not null)
        {
            await request.Content.ReadAsByteArrayAsync(cancellationToken); // as a real server reads the body
        }

        if (_scripts.TryGetValue(endpoint, out var script) && script.TryDequeue(out var next))
        {
            return await next(cancellationToken);
        }

        return Json(Success(endpoint));
    }

    private ConcurrentQueue<Func<CancellationToken, Task<HttpResponseMessage>>> Script(string endpoint) =>
        _scripts.GetOrAdd(endpoint, _ => new());

    private string Success(string endpoint)
    {
        string New(string name)
        {
            var value = $"{name}-{Interlocked.Increment(ref _issued)}";
            Issued.Add(value);
            return value;
        }

        return endpoint switch
        {
            "token" or "stable_token" => $$"""{"access_token":"{{New("access_token")}}","expires_in":7200}""",
            "api_component_token" => $$"""{"component_access_token":"{{New("component_access_token")}}","expires_in":7200}""",
            "api_create_preauthcode" => $$"""{"pre_auth_code":"{{New("pre_auth_code")}}","expires_in":600}""",
            "api_query_auth" => $$$"""{"authorization_info":{"authorizer_appid":"{{{WeChatPipelineHarness.AuthorizerAppId}}}","authorizer_access_token":"{{{New("authorizer_access_token")}}}","expires_in":7200,"authorizer_refresh_token":"{{{New("refresh_token")}}}","func_info":[]}}""",
            "api_authorizer_token" => $$"""{"authorizer_access_token":"{{New("authorizer_access_token")}}","expires_in":7200,"authorizer_refresh_token":"{{New("refresh_token")}}"}""",
            "getticket" => $$"""{"errcode":0,"errmsg":"ok","ticket":"{{New("ticket")}}","expires_in":7200}""",
            _ => """{"errcode":0,"errmsg":"ok"}""",
        };
    }

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
