/* A self-signed certificate for cofferd's TLS listener (tls_selfsigned.h). */
#include "daemon/tls_selfsigned.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/err.h"

#define VALID_DAYS 3650

static int fail(char *err, size_t errsize, int code, const char *fmt, const char *arg)
    __attribute__((format(printf, 4, 0)));

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int
fail(char *err, size_t errsize, int code, const char *fmt, const char *arg)
{
	snprintf(err, errsize, fmt, arg);
	return code;
}
#pragma GCC diagnostic pop

/* A PEM file of ours, created exclusively with mode. */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	FILE *f;
	int fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	ok = key != NULL ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int
add_san(X509 *x, const char *host)
{
	char san[96];
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	int ok;

	if (host[0] != '\0')
		snprintf(san, sizeof(san), "IP:%s,DNS:localhost", host);
	else
		snprintf(san, sizeof(san), "DNS:localhost");
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int
make(const char *cert_path, const char *key_path, const char *host, char *err, size_t errsize)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int r = COFFER_ERR_TLS;

	if ((key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;	/* a positive serial number */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL || X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)VALID_DAYS * 86400) == NULL || X509_set_pubkey(x, key) != 1 ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"cofferd", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || !add_san(x, host) || X509_sign(x, key, EVP_sha256()) == 0)
		goto out;
	if (write_pem(key_path, 0600, key, NULL) != 0 || write_pem(cert_path, 0644, NULL, x) != 0) {
		unlink(key_path);
		unlink(cert_path);
		r = fail(err, errsize, COFFER_ERR_TLS, "cannot write the self-signed certificate in %s", cert_path);
		goto out;
	}
	r = 0;
out:
	if (r == COFFER_ERR_TLS && err[0] == '\0')
		snprintf(err, errsize, "cannot make a self-signed certificate (OpenSSL)");
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(key);
	return r;
}

static int
fingerprint_of(char out[TLS_FINGERPRINT_LEN], const char *cert_path)
{
	unsigned char md[32];
	unsigned int n = 0, i;
	X509 *x = NULL;
	FILE *f;

	if ((f = fopen(cert_path, "r")) == NULL)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32) {
		X509_free(x);
		return -1;
	}
	X509_free(x);
	for (i = 0; i < 32; i++)
		snprintf(out + 3 * i, TLS_FINGERPRINT_LEN - 3 * i, "%02X%s", md[i], i < 31 ? ":" : "");
	return 0;
}

int
tls_self_signed(char *cert_path, size_t cert_size, char *key_path, size_t key_size,
    char fingerprint[TLS_FINGERPRINT_LEN], int *created, char *err, size_t errsize, const char *datadir,
    const char *host)
{
	char dir[1100];
	struct stat st;
	int r;

	*created = 0;
	fingerprint[0] = '\0';
	err[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/tls", datadir);
	if ((size_t)snprintf(cert_path, cert_size, "%s/cert.pem", dir) >= cert_size ||
	    (size_t)snprintf(key_path, key_size, "%s/key.pem", dir) >= key_size)
		return fail(err, errsize, COFFER_ERR_TLS, "datadir path too long: %s", datadir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return fail(err, errsize, COFFER_ERR_TLS, "cannot create %s", dir);
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return fail(err, errsize, COFFER_ERR_DATADIR_PERMS, "%s must be a directory of ours with mode 0700", dir);
	if (lstat(key_path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
			return fail(err, errsize, COFFER_ERR_DATADIR_PERMS, "%s must be a file of ours with mode 0600",
			    key_path);
	} else {
		unlink(cert_path);	/* a certificate without its key is of no use */
		if ((r = make(cert_path, key_path, host, err, errsize)) != 0)
			return r;
		*created = 1;
	}
	if (fingerprint_of(fingerprint, cert_path) != 0)
		return fail(err, errsize, COFFER_ERR_TLS, "%s does not hold a certificate (remove the tls folder to "
		    "make a new one)", cert_path);
	return 0;
}
