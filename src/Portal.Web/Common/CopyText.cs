namespace Portal.Web.Common;

/// <summary>
/// A value a page offers to copy (an image, a URL, an address), and what it is, for the button's label: the
/// <c>_CopyButton</c>
/// partial, made to work by <c>/js/copy.js</c>.
/// </summary>
public sealed record CopyText(string Value, string What);
