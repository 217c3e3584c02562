using TokenCenter.Server.Options;

namespace TokenCenter.Server.Upstream;

/// <summary>What WeChat needs to issue an app's access_token. <see cref="ToString"/> never shows the secret.</summary>
public sealed record AppCredentials(string AppId, string Secret, AccessTokenGrant Grant)
{
    /// <inheritdoc />
    public override string ToString() => $"AppCredentials {{ AppId = {AppId}, Grant = {Grant} }}";
}
