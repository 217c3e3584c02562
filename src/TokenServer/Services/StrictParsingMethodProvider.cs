using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace TokenCenter.Server.Services;

/// <summary>
/// Binds <see cref="TokenCenterGrpcService"/>'s methods (the generated <c>BindService</c>) with request
/// marshallers that answer a request that is not a valid protobuf message with INTERNAL, as the gRPC
/// status code table says for "error parsing request proto" (Grpc.AspNetCore's own binding would answer
/// UNKNOWN "Exception was thrown by handler."). Every other service keeps the default binding.
/// </summary>
internal sealed class StrictParsingMethodProvider(ServiceMethodProviderContext<TokenCenterGrpcService> context) : ServiceBinderBase
{
    public static void Bind(ServiceMethodProviderContext<TokenCenterGrpcService> context) =>
        V1.TokenCenter.BindService(new StrictParsingMethodProvider(context), null!);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        context.AddUnaryMethod(Strict(method), [], Invoker<UnaryServerMethod<TokenCenterGrpcService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext)));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        context.AddServerStreamingMethod(Strict(method), [], Invoker<ServerStreamingServerMethod<TokenCenterGrpcService, TRequest, TResponse>>(
            method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw new NotSupportedException($"{method.FullName}: client streaming is not used by tokencenter.v1");

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw new NotSupportedException($"{method.FullName}: duplex streaming is not used by tokencenter.v1");

    // An open-instance delegate to the service's override: (service, request, [writer,] context) => service.Method(...).
    private static TDelegate Invoker<TDelegate>(string name, params Type[] parameters)
        where TDelegate : Delegate =>
        (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), typeof(TokenCenterGrpcService).GetMethod(name, parameters)
            ?? throw new InvalidOperationException($"{nameof(TokenCenterGrpcService)} has no method {name}"));

    private static Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var deserialize = method.RequestMarshaller.ContextualDeserializer;
        var request = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"the request is not a valid {typeof(TRequest).Name} message: {ex.Message}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, request, method.ResponseMarshaller);
    }
}

/// <summary>
/// Grpc.AspNetCore's default method provider for every service except <see cref="TokenCenterGrpcService"/>,
/// which <see cref="StrictParsingMethodProvider"/> binds instead (one binding per method, no duplicate routes).
/// </summary>
internal sealed class DefaultMethodProviderExcept<TService>(IServiceProvider services, DefaultMethodProviderExcept.Replaced replaced) : IServiceMethodProvider<TService>
    where TService : class
{
    private readonly IServiceMethodProvider<TService> _inner =
        (IServiceMethodProvider<TService>)ActivatorUtilities.CreateInstance(services, replaced.OpenType.MakeGenericType(typeof(TService)));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (typeof(TService) == typeof(TokenCenterGrpcService))
        {
            StrictParsingMethodProvider.Bind((ServiceMethodProviderContext<TokenCenterGrpcService>)(object)context);
            return;
        }

        _inner.OnServiceMethodDiscovery(context);
    }
}

/// <summary>Installs <see cref="DefaultMethodProviderExcept{TService}"/> in place of Grpc.AspNetCore's default provider.</summary>
internal static class DefaultMethodProviderExcept
{
    public static void Install(IServiceCollection services)
    {
        var binders = services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name == "BinderServiceMethodProvider`1").ToList();
        if (binders.Count == 0)
        {
            throw new InvalidOperationException("Grpc.AspNetCore's default method provider was not found: call AddGrpc first.");
        }

        foreach (var binder in binders)
        {
            services.Remove(binder);
        }

        services.AddSingleton(new Replaced(binders[0].ImplementationType!));
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(DefaultMethodProviderExcept<>));
    }

    /// <summary>The open generic type of the provider replaced.</summary>
    internal sealed record Replaced(Type OpenType);
}
