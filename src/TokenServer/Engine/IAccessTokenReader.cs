namespace TokenCenter.Server.Engine;

/// <summary>
/// The engine as the sources that call WeChat with another key's token see it (the component token for authorizer
/// calls, an app's access token for getticket): read the current token, force-refresh one WeChat refused.
/// Implemented by <see cref="TokenEngine"/>. Sources are built before the engine (the engine takes them), so they
/// receive it as <see cref="Lazy{T}"/>, registered by <c>AddTokenEngine</c>, and read it only when they fetch.
/// </summary>
public interface IAccessTokenReader
{
    /// <inheritdoc cref="TokenEngine.GetAsync"/>
    ValueTask<TokenCenter.V1.Token> GetAsync(TokenSlotKey key, CancellationToken cancellationToken);

    /// <inheritdoc cref="TokenEngine.ForceRefreshAsync"/>
    Task<TokenCenter.V1.Token> ForceRefreshAsync(TokenSlotKey key, string staleValue, CancellationToken cancellationToken);
}
