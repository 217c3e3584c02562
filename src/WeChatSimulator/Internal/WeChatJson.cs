using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace WeChatSimulator.Internal;

/// <summary>Writes answers the way WeChat does: HTTP 200, JSON, errors as <c>{"errcode","errmsg"}</c> with a rid.</summary>
internal static class WeChatJson
{
    public const string ContentType = "application/json; encoding=utf-8";

    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> body, int statusCode = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, WeChatSim sim, int errcode)
    {
        var message = errcode == WeChatErrors.InvalidIp
            ? WeChatErrors.InvalidIpMessage(CallerIp(context))
            : WeChatErrors.Message(errcode);
        var errmsg = $"{message} rid: {TokenGenerator.NewRid(sim.Time.GetUtcNow())}";
        return WriteAsync(context, w =>
        {
            w.WriteNumber("errcode", errcode);
            w.WriteString("errmsg", errmsg);
        });
    }

    /// <summary><c>{"access_token":"...","expires_in":N}</c>, or the error.</summary>
    public static Task WriteTokenAsync(HttpContext context, WeChatSim sim, TokenReply reply) =>
        reply.ErrCode != 0
            ? WriteErrorAsync(context, sim, reply.ErrCode)
            : WriteAsync(context, w =>
            {
                w.WriteString("access_token", reply.Credential);
                w.WriteNumber("expires_in", reply.ExpiresIn);
            });

    /// <summary>Waits <see cref="SimulatorFaults.Latency"/> of real time (network time, not simulated time).</summary>
    public static Task SimulateLatencyAsync(HttpContext context, WeChatSim sim)
    {
        var latency = sim.Faults.Latency;
        return latency > TimeSpan.Zero ? Task.Delay(latency, context.RequestAborted) : Task.CompletedTask;
    }

    private static string CallerIp(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip ? ip.MapToIPv4().ToString() : "127.0.0.1";
}
