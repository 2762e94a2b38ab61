/*
 * WGS-84 <-> GCJ-02 ("Mars coordinates") for drawing on AMap (Gaode) tiles.
 *
 * Chinese web maps such as AMap draw their tiles in GCJ-02, an obfuscated datum offset by a
 * few hundred metres from WGS-84 (about 600 m around Lianzhou). planmap stores everything in
 * WGS-84, so when PLANMAP_TILES=amap the browser shifts every drawn coordinate into GCJ-02 and
 * shifts map clicks back. This is our own implementation of the standard published formula
 * (Krasovsky 1940 ellipsoid, the usual polynomial terms); gcjToWgs inverts it by fixed-point
 * iteration, which converges to well under a millimetre in a few steps.
 */
(function (root) {
  "use strict";

  var A = 6378245.0; // Krasovsky 1940 semi-major axis
  var EE = 0.00669342162296594323; // its first eccentricity squared
  var PI = Math.PI;

  function outOfChina(lon, lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function transformLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0;
    r += ((160.0 * Math.sin((y / 12.0) * PI) + 320.0 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
    return r;
  }

  function transformLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0;
    r += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
    return r;
  }

  /** [lon, lat] in WGS-84 -> [lon, lat] in GCJ-02 (unchanged outside China, where GCJ-02 does not apply). */
  function wgsToGcj(lon, lat) {
    if (outOfChina(lon, lat)) {
      return [lon, lat];
    }
    var dLat = transformLat(lon - 105.0, lat - 35.0);
    var dLon = transformLon(lon - 105.0, lat - 35.0);
    var radLat = (lat / 180.0) * PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * PI);
    dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * PI);
    return [lon + dLon, lat + dLat];
  }

  /** [lon, lat] in GCJ-02 -> WGS-84, by iterating the forward transform (for clicks on an AMap map). */
  function gcjToWgs(lon, lat) {
    if (outOfChina(lon, lat)) {
      return [lon, lat];
    }
    var wLon = lon;
    var wLat = lat;
    for (var i = 0; i < 20; i++) {
      var g = wgsToGcj(wLon, wLat);
      var dLon = g[0] - lon;
      var dLat = g[1] - lat;
      wLon -= dLon;
      wLat -= dLat;
      if (Math.abs(dLon) < 1e-10 && Math.abs(dLat) < 1e-10) {
        break;
      }
    }
    return [wLon, wLat];
  }

  root.gcj02 = { wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs, outOfChina: outOfChina };
})(window);
