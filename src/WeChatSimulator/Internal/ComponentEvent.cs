namespace WeChatSimulator.Internal;

/// <summary>What the push driver posts: the component it is for, the plaintext XML, its InfoType and creation time.</summary>
internal sealed record ComponentEvent(string ComponentAppId, string InfoType, string Xml, DateTimeOffset At);
