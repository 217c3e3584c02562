using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Crypto;

namespace TokenCenter.Server.Platform.Callback;

/// <summary>
/// <c>POST {CallbackPath}?timestamp&amp;nonce&amp;encrypt_type=aes&amp;msg_signature</c>: WeChat's "authorization event
/// receiving URL". Order of checks, each refusing without storing anything: component configured (404), body size
/// (413), query and outer XML (400), msg_signature over the Encrypt element, constant-time (401), timestamp within
/// ±ReplayWindow of the server clock (403), decryption with the current then the previous EncodingAESKey and the
/// appid check (403), inner XML (400), nonce not seen before (the signature lowercased first; a message seen and
/// handled is answered <c>success</c> and not handled again, one still being handled 503). Then the event is
/// handled and <c>success</c> returned only once it took effect: an authorization whose code could not be redeemed
/// yet, or a store failure, answers 503 and forgets the nonce, so WeChat's redelivery of the same message is handled;
/// any other failure forgets the nonce too (and answers 500).
/// </summary>
internal sealed class CallbackEndpoint(
    ComponentCatalog components,
    IReplayGuard replays,
    PlatformEventHandler events,
    IOptions<PlatformOptions> options,
    TimeProvider time,
    ILogger<CallbackEndpoint> logger)
{
    private readonly PlatformSettings _settings = options.Value.Platform;

    public async Task<IResult> HandleAsync(HttpContext context, string componentAppId)
    {
        var component = components.Find(componentAppId);
        if (component is null)
        {
            return Refuse(componentAppId, StatusCodes.Status404NotFound, "component not configured");
        }

        var body = await ReadBodyAsync(context.Request, _settings.MaxCallbackBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return Refuse(componentAppId, StatusCodes.Status413PayloadTooLarge, $"body larger than {_settings.MaxCallbackBytes} bytes");
        }

        var query = context.Request.Query;
        string timestamp = query["timestamp"].ToString(), nonce = query["nonce"].ToString(), signature = LowercaseHex(query["msg_signature"].ToString());
        if (timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
        {
            return Refuse(componentAppId, StatusCodes.Status400BadRequest, "timestamp, nonce and msg_signature are required");
        }

        var outer = SafeXml.TryParseFlat(body, _settings.MaxCallbackBytes, out var xmlError);
        if (outer is null || !outer.TryGetValue("Encrypt", out var encrypt) || encrypt.Length == 0)
        {
            return Refuse(componentAppId, StatusCodes.Status400BadRequest, outer is null ? xmlError : "no Encrypt element");
        }

        if (!CallbackCrypto.VerifySignature(component.Token, timestamp, nonce, encrypt, signature))
        {
            return Refuse(componentAppId, StatusCodes.Status401Unauthorized, "msg_signature does not match");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 100_000_000_000
            || (DateTimeOffset.FromUnixTimeSeconds(seconds) - time.GetUtcNow()).Duration() > _settings.ReplayWindow)
        {
            return Refuse(componentAppId, StatusCodes.Status403Forbidden, "timestamp outside the replay window");
        }

        var xml = CallbackCrypto.TryDecrypt(component.AesKey, encrypt, component.ComponentAppId, out var reason);
        if (xml is null && component.PreviousAesKey is { } previous)
        {
            xml = CallbackCrypto.TryDecrypt(previous, encrypt, component.ComponentAppId, out var previousReason);
            reason = xml is null ? $"{reason} (previous key: {previousReason})" : reason;
        }

        if (xml is null)
        {
            return Refuse(componentAppId, StatusCodes.Status403Forbidden, "cannot decrypt: " + reason);
        }

        var fields = SafeXml.TryParseFlat(xml, _settings.MaxCallbackBytes, out xmlError);
        if (fields is null)
        {
            return Refuse(componentAppId, StatusCodes.Status400BadRequest, "decrypted " + xmlError);
        }

        if (fields.TryGetValue("AppId", out var appId) && appId.Length > 0 && appId != component.ComponentAppId)
        {
            return Refuse(componentAppId, StatusCodes.Status403Forbidden, "decrypted AppId is another component");
        }

        ReplayVerdict verdict;
        try
        {
            verdict = await replays.TryRememberAsync(componentAppId, nonce, signature, _settings.ReplayWindow, context.RequestAborted).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            // Not "success": WeChat delivers again (the store logged the failure, rate-limited).
            return Refuse(componentAppId, StatusCodes.Status503ServiceUnavailable, ex.Message);
        }

        switch (verdict)
        {
            case ReplayVerdict.Handled:
                // WeChat delivers a message again when our answer came later than its 5 s (or got lost): the message took
                // effect, so acknowledge it (WeChat's advice: de-duplicate, answer success) and do nothing again. A
                // replay by anyone else gets the same answer and has no effect either.
                PlatformLog.CallbackAlreadyHandled(logger, componentAppId);
                return Results.Text("success", "text/plain", Encoding.UTF8);
            case ReplayVerdict.BeingHandled:
                // Its first delivery is still being handled: not "success" yet (that one may still fail), so WeChat asks again.
                return Refuse(componentAppId, StatusCodes.Status503ServiceUnavailable, "the same message is being handled; deliver it again");
        }

        try
        {
            await events.HandleAsync(component, fields, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TokenStoreUnavailableException or CallbackDeferredException or OperationCanceledException)
        {
            // Not "success", so WeChat delivers the same message again: it must then not be refused as a replay.
            await ForgetAsync(componentAppId, nonce, signature).ConfigureAwait(false);
            return Refuse(componentAppId, StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        catch
        {
            // Any other failure (a bug, an unexpected answer) did not take effect either: the nonce is forgotten so that
            // WeChat's redelivery is handled, not answered "being handled" until the nonce expires (the code unredeemed).
            await ForgetAsync(componentAppId, nonce, signature).ConfigureAwait(false);
            throw;
        }

        try
        {
            await replays.MarkHandledAsync(componentAppId, nonce, signature, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            // The message took effect; its redeliveries read "being handled" (503) until the nonce expires, and change nothing.
            PlatformLog.CallbackRefused(logger, componentAppId, StatusCodes.Status200OK, "handled, but not recorded as handled: " + ex.Message);
        }

        return Results.Text("success", "text/plain", Encoding.UTF8);
    }

    /// <summary>A msg_signature of 40 hex characters in lowercase (WeChat's form), so that re-casing it makes no new message; anything else as given (refused by the check).</summary>
    internal static string LowercaseHex(string signature) =>
        signature.Length == 40 && signature.AsSpan().ContainsAnyExcept(HexCharacters) is false ? signature.ToLowerInvariant() : signature;

    private static readonly System.Buffers.SearchValues<char> HexCharacters = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private async Task ForgetAsync(string componentAppId, string nonce, string signature)
    {
        try
        {
            await replays.ForgetAsync(componentAppId, nonce, signature, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            // The redelivery is refused as a replay until the nonce expires (twice the replay window).
            PlatformLog.CallbackRefused(logger, componentAppId, StatusCodes.Status503ServiceUnavailable, "nonce not forgotten: " + ex.Message);
        }
    }

    private IResult Refuse(string componentAppId, int status, string reason)
    {
        PlatformLog.CallbackRefused(logger, componentAppId, status, reason);
        return Results.Text(status == StatusCodes.Status404NotFound ? "unknown component" : "refused", "text/plain", Encoding.UTF8, status);
    }

    /// <summary>The body as UTF-8 text, or null when it is larger than <paramref name="limit"/> (read no further).</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = new byte[Math.Min(limit + 1, (int)(request.ContentLength ?? 4096) + 1)];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length > limit)
                {
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit + 1));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total > limit ? null : Encoding.UTF8.GetString(buffer, 0, total);
    }
}
