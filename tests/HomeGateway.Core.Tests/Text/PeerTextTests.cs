using HomeGateway.Core.Text;

namespace HomeGateway.Core.Tests.Text;

public class PeerTextTests
{
    [Theory]
    [InlineData("kitchen/motion", "kitchen/motion")]
    [InlineData("a\nwarn: forged", @"a\nwarn: forged")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("\u001b[31mred", @"\u001b[31mred")]
    [InlineData("nul\0byte", @"nul\u0000byte")]
    [InlineData("del\u007f c1\u0085", @"del\u007f c1\u0085")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("gnp.exe\u202etxt", @"gnp.exe\u202etxt")]
    [InlineData("isolate\u2066x\u2069", @"isolate\u2066x\u2069")]
    [InlineData("tab\tsep", @"tab\tsep")]
    [InlineData("Äitee ÅÖ 😀 日本", "Äitee ÅÖ 😀 日本")]
    public void Control_and_direction_characters_become_visible_escapes_and_letters_stay(string peer, string shown) =>
        Assert.Equal(shown, PeerText.Escape(peer));

    [Fact]
    public void A_lone_surrogate_is_escaped_and_a_pair_is_kept()
    {
        Assert.Equal(@"a\ud800b", PeerText.Escape("a\ud800b"));
        Assert.Equal(@"a\udc00", PeerText.Escape("a\udc00"));
        Assert.Equal("😀", PeerText.Escape("😀"));
        Assert.True(PeerText.NeedsEscaping("x\ud800"));
        Assert.False(PeerText.NeedsEscaping("😀 ok"));
    }

    [Fact]
    public void Long_text_is_cut_and_says_how_long_it_was()
    {
        var shown = PeerText.Escape(new string('x', 70_000));
        Assert.Equal(new string('x', PeerText.DefaultMaxLength) + "…(70000 chars)", shown);
        Assert.Equal("abc…(6 chars)", PeerText.Escape("abcdef", maxLength: 3));
        Assert.Equal("", PeerText.Escape(null));
    }

    [Fact]
    public void Escaped_text_has_no_character_that_needs_escaping_whatever_the_input()
    {
        var random = new Random(16);
        for (var i = 0; i < 2_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = (char)random.Next(0, 0x10000);
            }

            var escaped = PeerText.Escape(new string(chars), maxLength: 1_000);
            Assert.False(PeerText.NeedsEscaping(escaped), escaped);
            Assert.DoesNotContain('\n', escaped);
        }
    }
}
