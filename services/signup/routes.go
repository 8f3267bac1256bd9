package signup

import (
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/httpapi"
)

type signupRequest struct {
	Company struct {
		Name string `json:"name"`
	} `json:"company"`
	Admin struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		// Password is optional: without it the admin signs in with API
		// tokens only.
		Password string `json:"password,omitempty"`
	} `json:"admin"`
}

type signupResponse struct {
	CompanyID   string `json:"company_id"`
	AdminUserID string `json:"admin_user_id"`
	Token       string `json:"token"`
}

// signup: POST /v1/signup.
func (h *Handler) signup(w http.ResponseWriter, r *http.Request) (any, *apiError) {
	var req signupRequest
	if e := decodeBody(w, r, h.cfg.MaxBodyBytes, false, &req); e != nil {
		return nil, e
	}
	if e := invalid(validName("company.name", req.Company.Name), validEmail("admin.email", req.Admin.Email),
		validName("admin.name", req.Admin.Name)); e != nil {
		return nil, e
	}
	var hash string
	if req.Admin.Password != "" {
		if msg := checkPassword(req.Admin.Password, h.cfg.MinPasswordLength, req.Admin.Email, req.Admin.Name); msg != "" {
			return nil, errorf(http.StatusBadRequest, "invalid_request", "admin.password: %s", msg)
		}
		hash = h.hash.hash(req.Admin.Password)
	}
	admin, tok, e := h.admitCompany(r, req.Company.Name, req.Admin.Name, req.Admin.Email, hash, kindAPI, h.cfg.TokenTTL)
	if e != nil {
		return nil, e
	}
	return signupResponse{CompanyID: admin.CompanyID, AdminUserID: admin.UserID, Token: tok}, nil
}

type addUserRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type addUserResponse struct {
	UserID string `json:"user_id"`
	Token  string `json:"token"`
	// InvitationURL lets the user set a password for the web pages (once,
	// until it expires).
	InvitationURL string `json:"invitation_url"`
}

// admin authenticates the request as an admin of the path's company.
func (h *Handler) admin(r *http.Request) (login, *apiError) {
	u, e := h.authenticate(r)
	if e != nil {
		return login{}, e
	}
	if r.PathValue("company_id") != u.CompanyID {
		return login{}, errorf(http.StatusForbidden, "forbidden", "the token does not belong to this company")
	}
	if u.Role != events.RoleAdmin {
		return login{}, errorf(http.StatusForbidden, "forbidden", "only an admin of the company can manage users")
	}
	return u, nil
}

// addUser: POST /v1/companies/{company_id}/users, by an admin of that
// company. The user is active at once with the returned token.
func (h *Handler) addUser(w http.ResponseWriter, r *http.Request, admin login) (any, *apiError) {
	var req addUserRequest
	if e := decodeBody(w, r, h.cfg.MaxBodyBytes, false, &req); e != nil {
		return nil, e
	}
	if e := invalid(validEmail("email", req.Email), validName("name", req.Name), validRole(req.Role)); e != nil {
		return nil, e
	}
	u, invite, tok, e := h.admitUser(r, admin, req.Email, req.Name, req.Role, statusActive)
	if e != nil {
		return nil, e
	}
	return addUserResponse{UserID: u.UserID, Token: tok, InvitationURL: invitationURL(r, invite)}, nil
}

type disableResponse struct {
	UserID string `json:"user_id"`
	Status string `json:"status"`
}

// disableUserAPI: POST /v1/companies/{company_id}/users/{user_id}/disable.
func (h *Handler) disableUserAPI(w http.ResponseWriter, r *http.Request, admin login) (any, *apiError) {
	if e := h.disableUser(r, admin, r.PathValue("user_id")); e != nil {
		return nil, e
	}
	return disableResponse{UserID: r.PathValue("user_id"), Status: statusDisabled}, nil
}

type sessionResponse struct {
	SessionID string `json:"session_id"`
	AppServer string `json:"app_server"`
}

// session: POST /v1/sessions, by any user. The body is optional; if sent
// it must be an empty JSON object.
func (h *Handler) session(w http.ResponseWriter, r *http.Request, u login) (any, *apiError) {
	var empty struct{}
	if e := decodeBody(w, r, h.cfg.MaxBodyBytes, true, &empty); e != nil {
		return nil, e
	}
	d, e := h.openApp(r, u)
	if e != nil {
		return nil, e
	}
	return sessionResponse{SessionID: d.SessionID, AppServer: d.AppServer}, nil
}

// invitationURL is the absolute link of an invitation, on the host the
// request came to.
func invitationURL(r *http.Request, secret string) string {
	scheme := "http"
	if httpapi.Secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/invite/" + secret
}

// invalid turns validation errors into one 400.
func invalid(errs ...error) *apiError {
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errorf(http.StatusBadRequest, "invalid_request", "%s", strings.Join(msgs, "; "))
}
