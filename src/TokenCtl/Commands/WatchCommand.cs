using System.CommandLine;
using Grpc.Core;
using TokenCenter.V1;

namespace TokenCenter.Ctl.Commands;

/// <summary><c>tokenctl watch &lt;appId&gt;</c>: one line per new token (fingerprint, version, expiry; never the value).</summary>
internal static class WatchCommand
{
    public static Command Create(CtlOptions options, CtlRunner runner)
    {
        var command = new Command("watch", "Follow a token: one line per new version (fingerprint, version, expiry; not the value) until Ctrl+C")
        {
            options.AppId,
            options.Kind,
            options.Component,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async session =>
        {
            var request = new WatchTokensRequest();
            request.Keys.Add(options.KeyOf(parse));
            using var call = session.Client.WatchTokens(request, session.Stream(ct));
            await foreach (var token in call.ResponseStream.ReadAllAsync(ct))
            {
                await session.Output.WriteLineAsync(session.Json ? TokenOutput.Json(token, runner.Now, withValue: false) : TokenOutput.Line(token, runner.Now));
                await session.Output.FlushAsync(ct);
            }

            // The server ended the stream without an error status (it ends with UNAVAILABLE when shutting down).
            return ExitCodes.Unavailable;
        }));
        return command;
    }
}
