namespace WeChatSimulator.Internal;

/// <summary>Which endpoint issued a token. Tokens of different kinds never affect each other.</summary>
internal enum TokenKind
{
    Classic,
    Stable,

    /// <summary>A component_access_token (kept in its own registry: it is not a business-API token).</summary>
    Component,

    /// <summary>An authorizer_access_token; its app id is the authorizer appid.</summary>
    Authorizer,
}

/// <summary>One issued access token and the instants at which it stops working.</summary>
internal sealed class TokenRecord(string value, string appId, TokenKind kind, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
{
    private long _invalidFromTicks = long.MaxValue;

    public string Value { get; } = value;

    public string AppId { get; } = appId;

    public TokenKind Kind { get; } = kind;

    public DateTimeOffset IssuedAt { get; } = issuedAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>From this instant on the token answers 40001 (superseded past grace, or force-refreshed); null if never.</summary>
    public DateTimeOffset? InvalidFrom
    {
        get
        {
            var ticks = Interlocked.Read(ref _invalidFromTicks);
            return ticks == long.MaxValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Makes the token answer 40001 from <paramref name="at"/> on; an earlier deadline already set wins.</summary>
    public void InvalidateFrom(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _invalidFromTicks);
            if (current <= ticks)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _invalidFromTicks, ticks, current) != current);
    }

    /// <summary>0 when usable at <paramref name="now"/>; else 40001 or 42001, whichever happened first.</summary>
    public int Check(DateTimeOffset now)
    {
        var invalidFrom = InvalidFrom;
        if (invalidFrom is { } from && from <= now && from < ExpiresAt)
        {
            return WeChatErrors.InvalidCredential;
        }

        return now >= ExpiresAt ? WeChatErrors.AccessTokenExpired : 0;
    }

    /// <summary>Whole seconds left, as WeChat reports <c>expires_in</c>.</summary>
    public int SecondsLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Floor((ExpiresAt - now).TotalSeconds));
}
