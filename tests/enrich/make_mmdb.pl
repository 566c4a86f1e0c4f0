#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Writes the test GeoIP databases with MaxMind's own writer (Debian's
# libmaxmind-db-writer-perl): real MMDB files, IPv6 trees with IPv4 mapped in, in the
# GeoLite2-City and GeoLite2-ASN layouts, with values the tests check field by field.
#
#   make_mmdb.pl OUTDIR VARIANT      VARIANT a or b: the same networks, different values, so a
#                                    reload test can tell which database a record came from
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $v) = @ARGV;
die "usage: make_mmdb.pl OUTDIR a|b\n" unless $out && $v && $v =~ /^[ab]$/;
my $b = $v eq 'b';

my %city_types = (
    city => 'map', country => 'map', location => 'map', names => 'map',
    iso_code => 'utf8_string', en => 'utf8_string', geoname_id => 'uint32',
    latitude => 'double', longitude => 'double',
);
my %asn_types = (
    autonomous_system_number => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub city {
    my ($cc, $name, $lat, $lon) = @_;
    return { country => { iso_code => $cc, names => { en => "Country $cc" } },
             city => { names => { en => $name }, geoname_id => 42 },
             location => { latitude => $lat, longitude => $lon } };
}

# The networks the synthetic generator's servers use (192.0.2/24 DNS, 198.51.100/24 HTTP,
# 203.0.113/24 TLS) and an IPv6 one; variant b moves every value.
my @city = (
    [ '198.51.100.0/24', city($b ? 'FR' : 'DE', $b ? 'Paris' : 'Berlin', $b ? 48.8566 : 52.52, $b ? 2.3522 : 13.405) ],
    [ '203.0.113.0/24',  city($b ? 'JP' : 'US', $b ? 'Tokyo' : 'Chicago', $b ? 35.6762 : 41.8781, $b ? 139.6503 : -87.6298) ],
    [ '192.0.2.0/24',    city($b ? 'BR' : 'AU', $b ? "S\x{e3}o Paulo" : 'Sydney', $b ? -23.5505 : -33.8688, $b ? -46.6333 : 151.2093) ],
    [ '2001:db8::/32',   city($b ? 'NL' : 'SE', $b ? 'Amsterdam' : 'Stockholm', $b ? 52.3676 : 59.3293, $b ? 4.9041 : 18.0686) ],
);
my @asn = (
    [ '198.51.100.0/24', $b ? 64601 : 64501, $b ? 'Bravo HTTP Networks' : 'Alpha HTTP Networks' ],
    [ '203.0.113.0/24',  $b ? 64602 : 64502, $b ? 'Bravo TLS "Hosting"' : 'Alpha TLS Hosting' ],
    [ '192.0.2.0/25',    $b ? 64603 : 64503, $b ? 'Bravo DNS' : 'Alpha DNS' ],
    [ '2001:db8::/32',   $b ? 64604 : 64504, $b ? 'Bravo Six' : 'Alpha Six' ],
);

sub tree {
    my ($type, $types) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => 6, record_size => 28, database_type => $type,
        languages => ['en'], description => { en => "sluice test $type ($v)" },
        map_key_type_callback => sub { $types->{ $_[0] } // die "no type for $_[0]" },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4 => 1,
    );
}

my $t = tree('GeoLite2-City', \%city_types);
$t->insert_network($_->[0], $_->[1]) for @city;
open my $fh, '>:raw', "$out/city-$v.mmdb" or die "$out/city-$v.mmdb: $!";
$t->write_tree($fh);
close $fh;

$t = tree('GeoLite2-ASN', \%asn_types);
$t->insert_network($_->[0], { autonomous_system_number => $_->[1], autonomous_system_organization => $_->[2] })
    for @asn;
open $fh, '>:raw', "$out/asn-$v.mmdb" or die "$out/asn-$v.mmdb: $!";
$t->write_tree($fh);
close $fh;
