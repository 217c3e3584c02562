using Google.Protobuf.Reflection;
using TokenCenter.V1;

namespace TokenCenter.Protocol;

/// <summary>The methods of <c>tokencenter.v1.TokenCenter</c>, built from the generated descriptor.</summary>
public static class TokenCenterMethods
{
    private static readonly ServiceDescriptor Service = TokenCenterReflection.Descriptor.Services[0];

    /// <summary>Fully qualified service name.</summary>
    public static string ServiceName => Service.FullName;

    public static readonly GrpcMethod<GetTokenRequest, Token> GetToken = GrpcMethod<GetTokenRequest, Token>.Create(Service, "GetToken");

    public static readonly GrpcMethod<ForceRefreshRequest, Token> ForceRefresh = GrpcMethod<ForceRefreshRequest, Token>.Create(Service, "ForceRefresh");

    public static readonly GrpcMethod<WatchTokensRequest, Token> WatchTokens = GrpcMethod<WatchTokensRequest, Token>.Create(Service, "WatchTokens");

    public static readonly GrpcMethod<GetStatusRequest, StatusReply> GetStatus = GrpcMethod<GetStatusRequest, StatusReply>.Create(Service, "GetStatus");

    public static readonly GrpcMethod<CreatePreAuthCodeRequest, PreAuthCodeReply> CreatePreAuthCode = GrpcMethod<CreatePreAuthCodeRequest, PreAuthCodeReply>.Create(Service, "CreatePreAuthCode");

    public static readonly GrpcMethod<ListAuthorizersRequest, ListAuthorizersReply> ListAuthorizers = GrpcMethod<ListAuthorizersRequest, ListAuthorizersReply>.Create(Service, "ListAuthorizers");
}
