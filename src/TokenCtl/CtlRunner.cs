using System.CommandLine;
using Grpc.Core;

namespace TokenCenter.Ctl;

/// <summary>Runs a command body with a session and maps failures to exit codes and one line on stderr.</summary>
internal sealed class CtlRunner(CtlOptions options, TextWriter output, TextWriter error)
{
    /// <summary>The local clock, for remaining lifetimes.</summary>
    public DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    public async Task<int> RunAsync(ParseResult parse, Func<CtlSession, Task<int>> body)
    {
        using var session = CtlSession.Create(parse, options, output, out var problem);
        if (session is null)
        {
            await error.WriteLineAsync($"tokenctl: {problem}");
            return ExitCodes.BadUsage;
        }

        try
        {
            return await body(session);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            return ExitCodes.Ok; // Ctrl+C during watch
        }
        catch (RpcException ex)
        {
            var code = ExitCodes.Of(ex.StatusCode);
            var retry = ex.Trailers.GetValue("retry-after-ms") is { } ms ? $" (retry after {ms} ms)" : string.Empty;
            await error.WriteLineAsync($"tokenctl: {ex.StatusCode}: {ex.Status.Detail}{retry}");
            return code;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
    }
}
