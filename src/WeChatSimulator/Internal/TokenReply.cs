namespace WeChatSimulator.Internal;

/// <summary>Outcome of a token or ticket request: an error code, or a credential with its remaining seconds.</summary>
internal readonly record struct TokenReply(int ErrCode, string? Credential = null, int ExpiresIn = 0)
{
    public static TokenReply Error(int errcode) => new(errcode);

    public static TokenReply Success(string credential, int expiresIn) => new(0, credential, expiresIn);
}
