using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace TokenClient.Tests.Infrastructure;

/// <summary>
/// Requests a server saw, by path (gRPC methods included), and the <c>authorization</c> header of each that carried one.
/// <see cref="Install"/> registers it as a <see cref="TestServerHost"/> seam; read it back with the extension methods below.
/// </summary>
public sealed class RequestLog
{
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public ConcurrentQueue<string> Authorizations { get; } = new();

    public static void Install(TestServerOptions options)
    {
        var log = new RequestLog();
        options.Services += services => services.AddSingleton(log);
        options.Pipeline += app => app.Use(async (context, next) =>
        {
            log.Calls.AddOrUpdate(context.Request.Path.Value ?? string.Empty, 1, (_, n) => n + 1);
            if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
            {
                log.Authorizations.Enqueue(authorization);
            }

            await next();
        });
    }
}

public static class RequestLogExtensions
{
    /// <summary>How many calls of tokencenter.v1.TokenCenter/<paramref name="method"/> the server saw.</summary>
    public static int CallsTo(this TestServerHost server, string method) =>
        server.Services.GetRequiredService<RequestLog>().Calls.GetValueOrDefault("/tokencenter.v1.TokenCenter/" + method);

    /// <summary>The <c>authorization</c> header of every request that carried one.</summary>
    public static IReadOnlyCollection<string> Authorizations(this TestServerHost server) =>
        server.Services.GetRequiredService<RequestLog>().Authorizations;
}
