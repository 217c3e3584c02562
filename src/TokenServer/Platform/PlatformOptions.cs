namespace TokenCenter.Server.Platform;

/// <summary>
/// Third-party platform (开放平台 第三方平台) configuration, bound from the <c>TokenCenter</c> section
/// (<c>TokenCenter:Components</c>, <c>TokenCenter:Encryption</c>, <c>TokenCenter:Platform</c>) and validated at
/// start by <see cref="PlatformOptionsValidator"/>; every error names its key.
/// </summary>
public sealed class PlatformOptions
{
    /// <summary>The third-party platforms (components) whose tokens the center manages. Default: none.</summary>
    public List<ComponentOptions> Components { get; set; } = [];

    /// <summary>Keys that encrypt authorizer refresh tokens at rest. Required when a component is configured.</summary>
    public EncryptionOptions Encryption { get; set; } = new();

    /// <summary>Callback endpoint, authorizer refresh scheduling and upstream rate limit.</summary>
    public PlatformSettings Platform { get; set; } = new();
}

/// <summary>One component (<c>TokenCenter:Components:N</c>). Its secret, token and keys never appear in <see cref="ToString"/>.</summary>
public sealed class ComponentOptions
{
    /// <summary>The component appid ("wx" + 16 lowercase hex characters). Required.</summary>
    public string? ComponentAppId { get; set; }

    /// <summary>The component_appsecret. Required unless <see cref="SecretFile"/> is set.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the component_appsecret; surrounding whitespace is trimmed.</summary>
    public string? SecretFile { get; set; }

    /// <summary>The message-verification token (消息校验Token) that signs callbacks. Required.</summary>
    public string? Token { get; set; }

    /// <summary>The current 43-character EncodingAESKey (消息加解密Key). Required.</summary>
    public string? EncodingAesKey { get; set; }

    /// <summary>The previous EncodingAESKey, still accepted during a key rotation. Optional.</summary>
    public string? PreviousEncodingAesKey { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"ComponentOptions {{ ComponentAppId = {ComponentAppId} }}";
}

/// <summary>Keys encrypting authorizer refresh tokens at rest (AES-256-GCM, key id stored with the ciphertext).</summary>
public sealed class EncryptionOptions
{
    /// <summary>Every key that may have encrypted a stored value (<c>TokenCenter:Encryption:Keys:N:{Id, Key}</c>).</summary>
    public List<EncryptionKeyOptions> Keys { get; set; } = [];

    /// <summary>The id of the key new values are encrypted with. Required when <see cref="Keys"/> is not empty.</summary>
    public string? ActiveKeyId { get; set; }
}

/// <summary>One encryption key. Never printed.</summary>
public sealed class EncryptionKeyOptions
{
    /// <summary>Short identifier stored with each ciphertext (letters, digits, '-', '_'; at most 32).</summary>
    public string? Id { get; set; }

    /// <summary>Base64 of 32 random bytes.</summary>
    public string? Key { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"EncryptionKeyOptions {{ Id = {Id} }}";
}

/// <summary><c>TokenCenter:Platform</c>: callback endpoint and authorizer refresh scheduling.</summary>
public sealed class PlatformSettings
{
    /// <summary>Route of the callback endpoint on the web listener; must contain <c>{componentAppId}</c>. Default <c>/wechat/callback/{componentAppId}</c>.</summary>
    public string CallbackPath { get; set; } = "/wechat/callback/{componentAppId}";

    /// <summary>Largest accepted callback body in bytes (larger: HTTP 413). Default 65536.</summary>
    public int MaxCallbackBytes { get; set; } = 64 * 1024;

    /// <summary>Accepted distance between a callback's timestamp and the server clock. Default 5 minutes.</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Authorizer tokens are refreshed when less than Ahead + random(Jitter) remains. Default 3 min: with the default
    /// jitter a 2 h token is refreshed 3 to 7 min before expiry (5 on average, 1.04 x one call per lifetime).
    /// </summary>
    public TimeSpan AuthorizerAhead { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Random spread added to <see cref="AuthorizerAhead"/> so that refreshes do not bunch. Default 4 min.</summary>
    public TimeSpan AuthorizerJitter { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>Upstream <c>api_authorizer_token</c> calls per second allowed per replica (token bucket). Default 20.</summary>
    public int AuthorizerRefreshRate { get; set; } = 20;

    /// <summary>Burst size of the token bucket. Default: equal to <see cref="AuthorizerRefreshRate"/>.</summary>
    public int AuthorizerRefreshBurst { get; set; }

    /// <summary>How often the scheduler claims due authorizers from the shared due set. Default 1 s.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed due entry is hidden from other replicas while this one refreshes it. Default 2 min.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often the due sets are rebuilt from the authorizer records (also at start), so that no authorized account
    /// stays unscheduled, and slots of accounts removed while a removal event was missed are dropped. Default 10 min.
    /// </summary>
    public TimeSpan RescheduleInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Page that an account owner opens to authorize (CreatePreAuthCode's authorization_url). Default WeChat's.</summary>
    public Uri AuthorizationPageUrl { get; set; } = new("https://mp.weixin.qq.com/cgi-bin/componentloginpage");

    /// <summary>Minimum time between two <c>api_start_push_ticket</c> calls of one component. Default 10 min.</summary>
    public TimeSpan StartPushTicketInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Effective burst size.</summary>
    internal int Burst => AuthorizerRefreshBurst > 0 ? AuthorizerRefreshBurst : AuthorizerRefreshRate;
}
