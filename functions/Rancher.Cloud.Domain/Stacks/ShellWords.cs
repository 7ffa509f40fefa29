using System.Text;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>Splits a command string into words as a POSIX shell would (quotes and backslashes, no expansion), as compose does.</summary>
public static class ShellWords
{
    /// <returns>The words, or null when a quote is left open.</returns>
    public static IReadOnlyList<string?>? Split(string text)
    {
        var words = new List<string?>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }
                else if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                inWord = true;
                if (c is '\'' or '"')
                {
                    quote = c;
                }
                else if (c == '\\' && i + 1 < text.Length)
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }
            }
        }
        if (quote != '\0')
        {
            return null;
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}
