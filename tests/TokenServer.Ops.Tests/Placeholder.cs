namespace TokenCenter.Server.Ops.Tests; public class Placeholder { [Fact] public void Ok() => Assert.True(true); }
