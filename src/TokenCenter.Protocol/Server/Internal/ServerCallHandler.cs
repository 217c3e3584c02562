using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol.Internal;

namespace TokenCenter.Protocol.Server.Internal;

/// <summary>Runs one unary or server-streaming method for each HTTP request routed to it.</summary>
internal sealed class ServerCallHandler<TRequest, TResponse>(
    GrpcMethod<TRequest, TResponse> method,
    Func<TRequest, ServerCallContext, Task<TResponse>>? unary,
    Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>? streaming,
    GrpcServerOptions options,
    ILogger logger)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public async Task HandleAsync(HttpContext http)
    {
        if (!GrpcRequestValidator.TryAccept(http, method.FullName, logger))
        {
            return;
        }

        using var call = new HttpServerCallContext(http, method.FullName, options, logger);
        try
        {
            call.Initialize();
            var request = await call.ReadSingleMessageAsync(method.RequestParser).ConfigureAwait(false);
            if (unary is not null)
            {
                var response = await call.AwaitHandlerAsync(unary(request, call)).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"{method.FullName} returned no response message.");
                await call.WriteMessageAsync(response, call.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                await call.AwaitHandlerAsync(streaming!(request, new Writer(call), call)).ConfigureAwait(false);
            }

            await call.CompleteAsync(Status.DefaultSuccess).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await call.CompleteWithExceptionAsync(ex).ConfigureAwait(false);
        }
    }

    private sealed class Writer(HttpServerCallContext call) : IServerStreamWriter<TResponse>
    {
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default) =>
            call.WriteMessageAsync(message, cancellationToken);
    }
}
