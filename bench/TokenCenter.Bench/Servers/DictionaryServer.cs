using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.V1;

namespace TokenCenter.Bench.Servers;

/// <summary>
/// The baseline of the official-stack comparison: a minimal Grpc.AspNetCore service (the generated
/// TokenCenterBase, nothing else: no interceptor, limiter, metrics or engine) answering GetToken from
/// a <see cref="ConcurrentDictionary{TKey, TValue}"/> by app id, built like the other serve-* modes.
/// <c>serve-dictionary --token FILE</c>: FILE holds the Token message to answer (protobuf bytes).
/// </summary>
internal static class DictionaryServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var token = Token.Parser.ParseFrom(await File.ReadAllBytesAsync(ServeMode.Option(args, "--token") ?? throw new ArgumentException("--token FILE is required")));
        var builder = ServeMode.CreateBuilder(args, out _);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new DictionaryTokenCenter(token));
        var app = builder.Build();
        app.MapGrpcService<DictionaryTokenCenter>();
        app.MapGet("/ready", () => "ok");
        ServeMode.AnnounceAddress(app);
        await app.RunAsync();
        return 0;
    }

    internal sealed class DictionaryTokenCenter : V1.TokenCenter.TokenCenterBase
    {
        private readonly ConcurrentDictionary<string, Token> _tokens = new(StringComparer.Ordinal);

        public DictionaryTokenCenter(Token token) => _tokens[token.Key.AppId] = token;

        public override Task<Token> GetToken(GetTokenRequest request, ServerCallContext context) =>
            _tokens.TryGetValue(request.Key?.AppId ?? string.Empty, out var token)
                ? Task.FromResult(token)
                : throw new RpcException(new Status(StatusCode.NotFound, "not configured"));
    }
}
