using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// The one resilience pipeline of every WeChat call (token, stable_token, getticket, the component and authorizer
/// APIs), run by the resilience handler of the WeChat HTTP client: a timeout per attempt (<c>Upstream:Timeout</c>)
/// and retries with exponential backoff and jitter (<c>Upstream:MaxRetries</c>, <c>Upstream:RetryBaseDelay</c>) on
/// errcode -1 (system busy, which WeChat answers with HTTP 200: the retry reads the buffered body), HTTP 5xx,
/// timeouts and transport errors. Never on another errcode, never for a request marked single-attempt.
/// <para>
/// Which calls are single-attempt (the decision is made where the request is built):
/// <list type="bullet">
/// <item><c>stable_token</c> with <c>force_refresh=true</c>: a force WeChat applied but whose answer was lost has
/// already invalidated the served token, and a second force inside 30 s answers 45009; the engine asks normal mode
/// which token is current instead.</item>
/// <item>The token probe (<c>get_api_domain_ip</c>): one quick verdict, the caller decides.</item>
/// </list>
/// Retried although they change state at WeChat:
/// <list type="bullet">
/// <item><c>api_query_auth</c>: the authorization_code is single-use, but -1 and 5xx mean WeChat did not redeem it,
/// so the retry redeems it now instead of waiting for WeChat's redelivery of the event; after a timeout in which
/// WeChat did redeem it, the answer with the tokens is lost whether or not we retry, and the retry's 61009 is what
/// the redelivery would get too (the event handler treats 61009 as final).</item>
/// <item><c>api_authorizer_token</c> with rotating refresh tokens: if an attempt that timed out was applied, WeChat
/// has rotated the stored refresh token away and the new one is lost with the answer, retry or not; the retry then
/// answers 61023 at once instead of at the next scheduled refresh, and the stored refresh token is replaced only by
/// a successful answer. When the attempt was not applied (or WeChat does not rotate, as documented), the retry
/// saves the refresh.</item>
/// <item><c>api_component_token</c>, <c>api_create_preauthcode</c>, <c>api_start_push_ticket</c>, <c>getticket</c>:
/// a duplicate issues one more token, code or push, as a retried <c>/cgi-bin/token</c> does.</item>
/// </list>
/// </para>
/// Delays and timeouts are network time, so the pipeline runs on the system clock even when token lifetimes run on a
/// test clock (a simulated hour passing must not time out an HTTP call in flight).
/// </summary>
internal sealed class WeChatResilience
{
    private readonly ILogger _logger;

    public WeChatResilience(IOptions<TokenCenterOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _logger = loggers.CreateLogger<WeChatResilience>();
        var upstream = options.Value.Upstream;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = TimeProvider.System };
        if (upstream.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = upstream.MaxRetries,
                Delay = upstream.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.Context),
                OnRetry = LogRetryAsync,
            });
        }

        builder.AddTimeout(upstream.Timeout);
        Pipeline = builder.Build();
    }

    /// <summary>The pipeline, run by the <c>ResilienceHandler</c> of the WeChat HTTP client.</summary>
    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    /// <summary>A description of a failure that never contains the request URL or a secret.</summary>
    public static string DescribeException(Exception ex) => ex switch
    {
        TimeoutRejectedException t => $"no answer within {t.Timeout}",
        HttpRequestException h => $"transport error ({h.HttpRequestError})",
        OperationCanceledException => "no answer (request timed out)",
        _ => ex.GetType().Name,
    };

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (context.GetRequestMessage() is not { } request || WeChatRequest.IsSingleAttempt(request))
        {
            return false;
        }

        if (outcome.Exception is { } ex)
        {
            return ex is HttpRequestException or TimeoutRejectedException
                || (ex is OperationCanceledException && !context.CancellationToken.IsCancellationRequested);
        }

        var response = outcome.Result!;
        if ((int)response.StatusCode >= 500)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        // Buffered within the attempt by WeChatAttemptHandler.
        var body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken).ConfigureAwait(false);
        return WeChatAnswer.ErrCodeOf(body) == -1;
    }

    private async ValueTask LogRetryAsync(OnRetryArguments<HttpResponseMessage> args)
    {
        var request = args.Context.GetRequestMessage();
        string reason;
        if (args.Outcome.Exception is { } ex)
        {
            reason = DescribeException(ex);
        }
        else if ((int)args.Outcome.Result!.StatusCode >= 500)
        {
            reason = $"HTTP {(int)args.Outcome.Result.StatusCode}";
        }
        else
        {
            // errcode -1 (the body is buffered)
            var body = await args.Outcome.Result.Content.ReadAsByteArrayAsync(args.Context.CancellationToken).ConfigureAwait(false);
            var answer = WeChatAnswer.Parse(body);
            reason = $"errcode {answer.ErrCode}: {answer.ErrMsg}";
        }

        UpstreamLog.Retrying(
            _logger,
            WeChatRequest.EndpointOf(request?.RequestUri),
            request is null ? "?" : WeChatRequest.AppIdOf(request),
            args.AttemptNumber + 1,
            args.RetryDelay,
            reason);
    }
}
