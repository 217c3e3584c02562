using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TokenCenter.Client.Internal;

namespace TokenCenter.Client;

/// <summary>
/// A <see cref="DelegatingHandler"/> for HttpClients that call WeChat APIs. It adds the token of its key
/// to the query (<c>access_token</c>, or <c>component_access_token</c> for a component key), reads
/// WeChat's JSON answer (buffered; the caller gets an equivalent response), and when WeChat rejects the
/// token (errcode 40001, 40014 or 42001) asks TokenCenter to refresh it (ForceRefresh with the rejected
/// value) and retries exactly once with the new token. Other answers (e.g. 48001) pass through untouched;
/// the answer to the retry is returned as it is. Request bodies (JSON, multipart uploads) are buffered
/// so they can be sent again.
/// </summary>
public sealed class WeChatAccessTokenHandler : DelegatingHandler
{
    private readonly ITokenCenterClient _client;
    private readonly TokenKey _key;
    private readonly string _parameter;
    private readonly ILogger _logger;

    /// <summary>Creates a handler that authenticates requests with the token of <paramref name="key"/>.</summary>
    public WeChatAccessTokenHandler(ITokenCenterClient client, TokenKey key, ILogger<WeChatAccessTokenHandler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _key = key;
        _parameter = QueryParameterOf(key);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Whether WeChat's <paramref name="errcode"/> means "this token is no longer valid: refresh it".</summary>
    public static bool IsTokenRejected(int errcode) => errcode is 40001 or 40014 or 42001;

    /// <summary>The query parameter that carries the token of <paramref name="key"/>.</summary>
    internal static string QueryParameterOf(TokenKey key) => key.Kind switch
    {
        TokenKind.AccessToken or TokenKind.AuthorizerAccessToken => "access_token",
        TokenKind.ComponentAccessToken => "component_access_token",
        _ => throw new ArgumentException($"{key.Kind} is a ticket, not an access token: it cannot authenticate API calls.", nameof(key)),
    };

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RequestUri);
        await BufferContentAsync(request, cancellationToken).ConfigureAwait(false);
        var token = await _client.GetTokenAsync(_key, cancellationToken).ConfigureAwait(false);
        request.RequestUri = WeChatReply.WithToken(request.RequestUri, _parameter, token.Value);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var errcode = await ReadErrCodeAsync(response, cancellationToken).ConfigureAwait(false);
        if (errcode is not { } code || !IsTokenRejected(code))
        {
            return response;
        }

        ClientLog.TokenRejected(_logger, _key, token.Fingerprint, code);
        TokenInfo fresh;
        try
        {
            fresh = await _client.ForceRefreshAsync(_key, token.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenCenterException ex)
        {
            ClientLog.ForceRefreshFailed(_logger, _key, ex.Message, code);
            return response;
        }

        if (fresh.Value == token.Value)
        {
            return response;
        }

        response.Dispose();
        ClientLog.RetryingWithNewToken(_logger, _key, fresh.Fingerprint);
        request.RequestUri = WeChatReply.WithToken(request.RequestUri, _parameter, fresh.Value);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the request content by a buffered copy (same headers) that can be sent twice.</summary>
    private static async Task BufferContentAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is null or ByteArrayContent)
        {
            return; // ByteArrayContent (StringContent, JSON content) can be serialized again
        }

        var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        request.Content = Copy(bytes, request.Content.Headers);
    }

    /// <summary>Buffers a response that may be JSON and returns its errcode (the response gets an equivalent buffered content).</summary>
    private static async Task<int?> ReadErrCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!WeChatReply.MayBeJson(response.Content.Headers.ContentType?.MediaType))
        {
            return null;
        }

        var original = response.Content;
        var bytes = await original.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        response.Content = Copy(bytes, original.Headers);
        original.Dispose();
        return WeChatReply.ReadErrCode(bytes);
    }

    private static ByteArrayContent Copy(byte[] bytes, HttpContentHeaders headers)
    {
        var content = new ByteArrayContent(bytes);
        foreach (var header in headers)
        {
            if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return content;
    }
}
