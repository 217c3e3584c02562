using System.CommandLine;
using Grpc.Core;
using TokenCenter.V1;

namespace TokenCenter.Ctl.Commands;

/// <summary><c>tokenctl get &lt;appId&gt; [--kind] [--component]</c>: prints the current token value.</summary>
internal static class GetCommand
{
    public static Command Create(CtlOptions options, CtlRunner runner)
    {
        var command = new Command("get", "Print the current token of an app (the VALUE itself: this is an explicit request for it)")
        {
            options.AppId,
            options.Kind,
            options.Component,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async session =>
        {
            var request = new GetTokenRequest { Key = options.KeyOf(parse) };
            var token = await session.Client.GetTokenAsync(request, session.Unary(ct));
            await session.Output.WriteLineAsync(session.Json ? TokenOutput.Json(token, runner.Now, withValue: true) : token.Value);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
