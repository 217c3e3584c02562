namespace TokenCenter.Server.Platform;

/// <summary>
/// A callback event could not take effect yet (api_query_auth failed transiently, the authorizer's lock is held):
/// the callback answers non-success so that WeChat delivers it again.
/// </summary>
internal sealed class CallbackDeferredException : Exception
{
    public CallbackDeferredException()
    {
    }

    public CallbackDeferredException(string message)
        : base(message)
    {
    }

    public CallbackDeferredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
