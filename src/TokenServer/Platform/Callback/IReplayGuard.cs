namespace TokenCenter.Server.Platform.Callback;

/// <summary>
/// Remembers the nonces of accepted callbacks for the replay window, so a message is handled once. Callers pass the
/// signature as lowercase hex (WeChat's form), so a message with its signature re-cased is the same message.
/// </summary>
internal interface IReplayGuard
{
    /// <summary>
    /// <see cref="ReplayVerdict.New"/> the first time (component, nonce, signature) is seen within
    /// <paramref name="window"/>, and then remembered as being handled; otherwise what became of the first delivery.
    /// </summary>
    Task<ReplayVerdict> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Records that a message remembered by <see cref="TryRememberAsync"/> was handled (answered success).</summary>
    Task MarkHandledAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets a message remembered by <see cref="TryRememberAsync"/> whose handling failed (answered non-success),
    /// so WeChat's redelivery of that same message is handled.
    /// </summary>
    Task ForgetAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken);
}

/// <summary>What the replay guard knows of a message.</summary>
internal enum ReplayVerdict
{
    /// <summary>Not seen within the window: handle it.</summary>
    New,

    /// <summary>Seen, and its first delivery is still being handled (here or on another replica).</summary>
    BeingHandled,

    /// <summary>Seen and handled: a redelivery (WeChat got no answer in time) or a replay; nothing to do again.</summary>
    Handled,
}
