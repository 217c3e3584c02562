using TokenCenter.Protocol;

namespace TokenCenter.Server.Ops.Tests.Support;

internal static class Rpc
{
    public static async Task<RpcException> FailsAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        return ex;
    }
}
