namespace TokenCenter.Server.Engine;

/// <summary>
/// Optionally implemented by an <see cref="ITokenSource"/> whose keys have state beyond the token (e.g. "waiting
/// for component_verify_ticket", "needs re-authorization"), shown in GetStatus as <c>KeyStatus.state</c>.
/// </summary>
internal interface IKeyStateReporter
{
    /// <summary>A short human-readable state of <paramref name="key"/> ("" when nothing to say). Never a secret.</summary>
    string StateOf(TokenSlotKey key);
}
