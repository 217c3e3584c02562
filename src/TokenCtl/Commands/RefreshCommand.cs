using System.CommandLine;
using Grpc.Core;
using TokenCenter.V1;

namespace TokenCenter.Ctl.Commands;

/// <summary><c>tokenctl refresh &lt;appId&gt; --stale &lt;value&gt;</c>: compare-and-refresh; prints the new value.</summary>
internal static class RefreshCommand
{
    public static Command Create(CtlOptions options, CtlRunner runner)
    {
        var stale = new Option<string>("--stale")
        {
            Description = "The value WeChat rejected; the server refreshes only if it is still the current one",
            Required = true,
        };
        var command = new Command("refresh", "Force a refresh of a token WeChat rejected (compare-and-refresh, under the forced-refresh budget); prints the new value")
        {
            options.AppId,
            stale,
            options.Kind,
            options.Component,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async session =>
        {
            var request = new ForceRefreshRequest { Key = options.KeyOf(parse), StaleValue = parse.GetValue(stale) ?? string.Empty };
            var token = await session.Client.ForceRefreshAsync(request, session.Unary(ct));
            await session.Output.WriteLineAsync(session.Json ? TokenOutput.Json(token, runner.Now, withValue: true) : token.Value);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
