using TokenCenter.Client.Internal;
using TokenCenter.Protocol;

namespace TokenCenter.Client;

/// <summary>
/// A token as served by TokenCenter. <see cref="ToString"/> shows a fingerprint, never the value, so
/// the record is safe to log.
/// </summary>
/// <param name="Key">The key the token belongs to.</param>
/// <param name="Value">The token (pass it to WeChat as access_token, or use it as the ticket).</param>
/// <param name="ExpiresAt">When WeChat stops accepting it.</param>
/// <param name="ObtainedAt">When TokenCenter obtained it from WeChat.</param>
/// <param name="Version">Grows with every new token of the key; the highest version is the current one.</param>
public sealed record TokenInfo(TokenKey Key, string Value, DateTimeOffset ExpiresAt, DateTimeOffset ObtainedAt, long Version)
{
    /// <summary>A short, non-reversible fingerprint of <see cref="Value"/> (8 hex characters of its SHA-256), for logs.</summary>
    public string Fingerprint => TokenFingerprint.Of(Value);

    /// <inheritdoc />
    public override string ToString() =>
        $"TokenInfo {{ Key = {Key}, Fingerprint = {Fingerprint}, ExpiresAt = {ExpiresAt:O}, ObtainedAt = {ObtainedAt:O}, Version = {Version} }}";
}
