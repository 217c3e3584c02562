namespace TokenCenter.Server.Options;

/// <summary>One WeChat app (<c>TokenCenter:Apps:N</c>). Its secret never appears in <see cref="ToString"/>.</summary>
public sealed class AppOptions
{
    /// <summary>The app id: "wx" followed by 16 lowercase hexadecimal characters. Required.</summary>
    public string? AppId { get; set; }

    /// <summary>The AppSecret. Required unless <see cref="SecretFile"/> is set.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the AppSecret (e.g. a mounted <c>/run/secrets/wechat</c>); surrounding whitespace is trimmed.</summary>
    public string? SecretFile { get; set; }

    /// <summary>How the access_token is obtained: <c>Stable</c> (POST /cgi-bin/stable_token, default) or <c>Classic</c> (GET /cgi-bin/token).</summary>
    public string? Grant { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"AppOptions {{ AppId = {AppId}, Secret = {(string.IsNullOrEmpty(Secret) ? "<unset>" : "***")}, SecretFile = {SecretFile}, Grant = {Grant ?? "Stable"} }}";
}
