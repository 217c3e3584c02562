namespace WeChatSimulator.Internal;

/// <summary>What the push driver posts: the component it is for, the decrypted XML, and its InfoType.</summary>
internal sealed record ComponentEvent(SimulatedComponent Component, string InfoType, string Xml, DateTimeOffset At);
