using Grpc.Core;
using TokenCenter.Server.Platform;
using TokenCenter.V1;

namespace TokenCenter.Server.Services;

/// <summary>
/// The generated <c>tokencenter.v1.TokenCenter</c> base bound to the service logic: token methods in
/// <see cref="TokenCenterService"/>, platform methods in <see cref="PlatformService"/>. Authentication,
/// authorization, rate limits and metrics are interceptors and middleware around it.
/// </summary>
internal sealed class TokenCenterGrpcService(TokenCenterService tokens, PlatformService platform) : V1.TokenCenter.TokenCenterBase
{
    public override Task<Token> GetToken(GetTokenRequest request, ServerCallContext context) => tokens.GetToken(request, context);

    public override Task<Token> ForceRefresh(ForceRefreshRequest request, ServerCallContext context) => tokens.ForceRefresh(request, context);

    public override Task WatchTokens(WatchTokensRequest request, IServerStreamWriter<Token> responseStream, ServerCallContext context) =>
        tokens.WatchTokens(request, responseStream, context);

    public override Task<StatusReply> GetStatus(GetStatusRequest request, ServerCallContext context) => tokens.GetStatus(request, context);

    public override Task<PreAuthCodeReply> CreatePreAuthCode(CreatePreAuthCodeRequest request, ServerCallContext context) => platform.CreatePreAuthCode(request, context);

    public override Task<ListAuthorizersReply> ListAuthorizers(ListAuthorizersRequest request, ServerCallContext context) => platform.ListAuthorizers(request, context);
}
