using System.Text.RegularExpressions;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// A Docker image reference, <c>[registry[:port]/]path[:tag][@digest]</c>, checked against the
/// grammar of the distribution project's reference package.
/// </summary>
public static partial class ImageReference
{
    /// <summary>Registry and path (255), tag (128) and digest (80).</summary>
    public const int MaxLength = 255 + 128 + 80;

    public static string? Check(string? image, string field, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(image))
        {
            errors.Add(field, "is required");
            return null;
        }
        if (image.Length > MaxLength)
        {
            errors.Add(field, "is too long to be an image reference");
            return null;
        }
        if (!Pattern().IsMatch(image))
        {
            errors.Add(field, "is not a valid image reference ([registry/]repository[:tag][@digest], repository in lower case)");
            return null;
        }
        return image;
    }

    private const string Component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private const string DomainPart = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Domain = DomainPart + @"(?:\." + DomainPart + ")*(?::[0-9]+)?";
    private const string Tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string Digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(?:" + Domain + "/)?" + Component + "(?:/" + Component + ")*(?::" + Tag + ")?(?:@" + Digest + ")?\\z")]
    private static partial Regex Pattern();
}
