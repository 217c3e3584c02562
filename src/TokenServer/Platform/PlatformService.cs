using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Grpc.Core;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Services;
using TokenCenter.V1;

namespace TokenCenter.Server.Platform;

/// <summary>The third-party platform methods of <c>tokencenter.v1.TokenCenter</c>: CreatePreAuthCode and ListAuthorizers.</summary>
internal sealed class PlatformService(
    TokenEngine engine,
    ComponentCatalog components,
    IAuthorizerStore authorizers,
    AuthorizerRegistry registry,
    IPlatformClient client,
    IOptions<PlatformOptions> options,
    TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<PlatformService> logger)
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public Task<PreAuthCodeReply> CreatePreAuthCode(CreatePreAuthCodeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var component = Component(request.ComponentAppId);
        if (!Uri.TryCreate(request.RedirectUri, UriKind.Absolute, out var redirect) || redirect.Scheme is not ("http" or "https"))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "redirect_uri must be an absolute http or https URL"));
        }

        return GrpcStatusMapping.Run(context, time, async ct =>
        {
            var answer = await ComponentTokenRetry.CallAsync(
                engine,
                component.ComponentAppId,
                "api_create_preauthcode",
                token => client.CreatePreAuthCodeAsync(component.ComponentAppId, token, ct),
                a => a.ErrCode,
                logger,
                ct).ConfigureAwait(false);
            if (!answer.IsSuccess)
            {
                throw new UpstreamUnavailableException(answer.ErrCode, answer.ErrMsg);
            }

            var page = options.Value.Platform.AuthorizationPageUrl.ToString();
            var url = $"{page}{(page.Contains('?', StringComparison.Ordinal) ? '&' : '?')}component_appid={Uri.EscapeDataString(component.ComponentAppId)}"
                + $"&pre_auth_code={Uri.EscapeDataString(answer.Token!)}&redirect_uri={Uri.EscapeDataString(request.RedirectUri)}";
            return new PreAuthCodeReply
            {
                PreAuthCode = answer.Token,
                ExpiresAt = Timestamp.FromDateTimeOffset(time.GetUtcNow() + answer.ExpiresIn),
                AuthorizationUrl = url,
            };
        });
    }

    public Task<ListAuthorizersReply> ListAuthorizers(ListAuthorizersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var component = Component(request.ComponentAppId);
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size must be between 0 and {MaxPageSize.ToString(CultureInfo.InvariantCulture)}"));
        }

        string? after = null;
        if (request.PageToken.Length > 0)
        {
            if (!AppIdFormat.IsValid(request.PageToken))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is malformed: pass next_page_token of the previous reply"));
            }

            after = request.PageToken;
        }

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        return GrpcStatusMapping.Run(context, time, async ct =>
        {
            IReadOnlyList<AuthorizerRecord> page;
            try
            {
                page = await authorizers.ListAsync(component.ComponentAppId, after, size + 1, ct).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException ex)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"the token store is unavailable: {ex.Reason}"));
            }

            var reply = new ListAuthorizersReply();
            var now = time.GetUtcNow();
            foreach (var record in page.Take(size))
            {
                var key = AuthorizerTokenSource.KeyOf(component.ComponentAppId, record.AppId);
                await registry.EnsureSlotAsync(key, ct).ConfigureAwait(false);
                var info = new AuthorizerInfo { AppId = record.AppId, NeedsReauthorization = record.NeedsReauthorization };
                if (engine.Held(key) is { } held)
                {
                    info.HasValidToken = held.IsValidAt(now);
                    info.ExpiresAt = Timestamp.FromDateTimeOffset(held.ExpiresAt);
                }

                reply.Authorizers.Add(info);
            }

            if (page.Count > size)
            {
                reply.NextPageToken = page[size - 1].AppId;
            }

            return reply;
        });
    }

    private ComponentCredentials Component(string componentAppId)
    {
        if (string.IsNullOrEmpty(componentAppId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "component_app_id is required"));
        }

        if (!AppIdFormat.IsValid(componentAppId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"component_app_id is malformed: {AppIdFormat.Expected}"));
        }

        return components.Find(componentAppId) ?? throw new RpcException(new Status(StatusCode.NotFound, $"component {componentAppId} is not configured"));
    }
}
