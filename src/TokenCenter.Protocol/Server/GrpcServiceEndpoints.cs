using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Protocol.Server.Internal;

namespace TokenCenter.Protocol.Server;

/// <summary>
/// Maps the methods of one service onto routes ("POST /service/method"). Adding a method is one
/// line: <c>.Unary(method, handler)</c> or <c>.ServerStreaming(method, handler)</c>. Conventions
/// added to this builder (e.g. <c>RequireHost</c>) apply to every method, mapped before or after.
/// </summary>
public sealed class GrpcServiceEndpoints : IEndpointConventionBuilder
{
    private readonly IEndpointRouteBuilder _endpoints;
    private readonly List<IEndpointConventionBuilder> _methods = [];
    private readonly List<Action<EndpointBuilder>> _conventions = [];
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;

    internal GrpcServiceEndpoints(IEndpointRouteBuilder endpoints)
    {
        _endpoints = endpoints;
        _options = endpoints.ServiceProvider.GetService<IOptions<GrpcServerOptions>>()?.Value ?? new GrpcServerOptions();
        _logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("TokenCenter.Protocol.Server") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>Maps a unary method.</summary>
    public GrpcServiceEndpoints Unary<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != GrpcMethodType.Unary)
        {
            throw new ArgumentException($"{method.FullName} is not a unary method.", nameof(method));
        }

        return Map(method, new ServerCallHandler<TRequest, TResponse>(method, handler, null, _options, _logger).HandleAsync);
    }

    /// <summary>Maps a server-streaming method.</summary>
    public GrpcServiceEndpoints ServerStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != GrpcMethodType.ServerStreaming)
        {
            throw new ArgumentException($"{method.FullName} is not a server-streaming method.", nameof(method));
        }

        return Map(method, new ServerCallHandler<TRequest, TResponse>(method, null, handler, _options, _logger).HandleAsync);
    }

    /// <inheritdoc />
    public void Add(Action<EndpointBuilder> convention)
    {
        ArgumentNullException.ThrowIfNull(convention);
        _conventions.Add(convention);
        foreach (var m in _methods)
        {
            m.Add(convention);
        }
    }

    private GrpcServiceEndpoints Map<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, RequestDelegate handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var builder = _endpoints.MapPost(method.FullName, handler).WithDisplayName("gRPC " + method.FullName);
        foreach (var convention in _conventions)
        {
            builder.Add(convention);
        }

        _methods.Add(builder);
        return this;
    }
}
