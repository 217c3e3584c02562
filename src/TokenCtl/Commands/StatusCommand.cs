using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using TokenCenter.V1;

namespace TokenCenter.Ctl.Commands;

/// <summary><c>tokenctl status</c>: a table of every key (never a token value).</summary>
internal static class StatusCommand
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static Command Create(CtlOptions options, CtlRunner runner)
    {
        var command = new Command("status", "Health of every configured key: remaining lifetime, last refresh, last error (never a token value)");
        command.SetAction((parse, ct) => runner.RunAsync(parse, async session =>
        {
            var reply = await session.Client.GetStatusAsync(new GetStatusRequest(), session.Unary(ct));
            await session.Output.WriteLineAsync(session.Json ? Formatter.Format(reply) : Table(reply));
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static string Table(StatusReply reply)
    {
        var now = reply.Now?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
        var rows = new List<string[]> { new[] { "KEY", "GRANT", "VALID", "REMAINING", "VERSION", "LAST REFRESH", "TRIGGER", "LAST ERROR" } };
        foreach (var k in reply.Keys)
        {
            var key = $"{TokenOutput.KindName(k.Key.Kind)}:{(k.Key.ComponentAppId.Length > 0 ? k.Key.ComponentAppId + "/" : string.Empty)}{k.Key.AppId}";
            var lastRefresh = k.LastRefreshAt is { } at ? $"{TokenOutput.Duration(now - at.ToDateTimeOffset())} ago" : "never";
            var error = k.LastError is { Errcode: not 0 } e ? $"{e.Errcode} {e.Errmsg}" : "-";
            rows.Add(
            [
                key,
                k.Grant.Length > 0 ? k.Grant : "-",
                k.HasValidToken ? "yes" : "NO",
                k.HasValidToken ? TokenOutput.Duration(TimeSpan.FromSeconds(k.RemainingSeconds)) : "-",
                k.Version.ToString(CultureInfo.InvariantCulture),
                lastRefresh,
                k.LastTrigger.Length > 0 ? k.LastTrigger : "-",
                error,
            ]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = rows.Select(r => string.Join("  ", r.Select((cell, c) => c == r.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        var header = $"replica {reply.Replica}, store {reply.Store} ({(reply.StoreReachable ? "reachable" : "UNREACHABLE")})";
        return header + Environment.NewLine + string.Join(Environment.NewLine, lines);
    }
}
