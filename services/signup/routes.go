package signup

import (
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/events"
)

type signupRequest struct {
	Company struct {
		Name string `json:"name"`
	} `json:"company"`
	Admin struct {
		Email string `json:"email"`
		Name  string `json:"name"`
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
	now := h.cfg.Now().UTC()
	d := events.CompanySignupRequested{
		CompanyID:   newID(prefixCompany),
		CompanyName: strings.TrimSpace(req.Company.Name),
		AdminUserID: newID(prefixUser),
		AdminEmail:  normalizeEmail(req.Admin.Email),
		AdminName:   strings.TrimSpace(req.Admin.Name),
		RequestedAt: now,
	}
	tok, err := h.tokens.Issue(Claims{CompanyID: d.CompanyID, UserID: d.AdminUserID, Role: events.RoleAdmin, Expires: now.Add(h.cfg.TokenTTL)})
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "internal", "issuing token failed")
	}
	if e := h.publish(r, d); e != nil {
		return nil, e
	}
	return signupResponse{CompanyID: d.CompanyID, AdminUserID: d.AdminUserID, Token: tok}, nil
}

type addUserRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type addUserResponse struct {
	UserID string `json:"user_id"`
	Token  string `json:"token"`
}

// addUser: POST /v1/companies/{company_id}/users, by an admin of that company.
func (h *Handler) addUser(w http.ResponseWriter, r *http.Request) (any, *apiError) {
	c, e := h.authenticate(r)
	if e != nil {
		return nil, e
	}
	company := r.PathValue("company_id")
	if company != c.CompanyID {
		return nil, errorf(http.StatusForbidden, "forbidden", "the token does not belong to this company")
	}
	if c.Role != events.RoleAdmin {
		return nil, errorf(http.StatusForbidden, "forbidden", "only an admin of the company can add users")
	}
	var req addUserRequest
	if e := decodeBody(w, r, h.cfg.MaxBodyBytes, false, &req); e != nil {
		return nil, e
	}
	if e := invalid(validEmail("email", req.Email), validName("name", req.Name), validRole(req.Role)); e != nil {
		return nil, e
	}
	now := h.cfg.Now().UTC()
	d := events.UserAddRequested{
		CompanyID:   company,
		UserID:      newID(prefixUser),
		Email:       normalizeEmail(req.Email),
		Name:        strings.TrimSpace(req.Name),
		Role:        req.Role,
		RequestedBy: c.UserID,
		RequestedAt: now,
	}
	tok, err := h.tokens.Issue(Claims{CompanyID: company, UserID: d.UserID, Role: d.Role, Expires: now.Add(h.cfg.TokenTTL)})
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "internal", "issuing token failed")
	}
	if e := h.publish(r, d); e != nil {
		return nil, e
	}
	return addUserResponse{UserID: d.UserID, Token: tok}, nil
}

type sessionResponse struct {
	SessionID string `json:"session_id"`
	AppServer string `json:"app_server"`
}

// session: POST /v1/sessions, by any user. The body is optional; if sent
// it must be an empty JSON object.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) (any, *apiError) {
	c, e := h.authenticate(r)
	if e != nil {
		return nil, e
	}
	var empty struct{}
	if e := decodeBody(w, r, h.cfg.MaxBodyBytes, true, &empty); e != nil {
		return nil, e
	}
	d := events.SessionRequested{
		SessionID:   newID(prefixSession),
		CompanyID:   c.CompanyID,
		UserID:      c.UserID,
		AppServer:   h.assign.pick(c.CompanyID),
		RequestedAt: h.cfg.Now().UTC(),
	}
	if e := h.publish(r, d); e != nil {
		return nil, e
	}
	return sessionResponse{SessionID: d.SessionID, AppServer: d.AppServer}, nil
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
